// One room as a chat screen shows it, for SwiftUI: the same model as the Kotlin
// RoomTimeline in android-sample/chatkit, so both apps behave alike.

import Foundation

/// The messages of one room (the user's pending ones included), its membership and
/// settings notices ("Bob left"), who is typing, the members with their roles, the
/// pinned messages and how far the user's files have uploaded, published for SwiftUI;
/// what the user does to messages (send with a reply and mentions, send a photo or
/// file, react, pin, edit, delete: all queued offline too); and what a member does
/// about others (report, block, remove, ban) or about the room (leave).
///
/// The SDK's cache is the source of truth: whenever an event touches this room, the
/// visible window is read again from it, so the list shows exactly what the SDK stored —
/// in seq order, each message once — after any reconnect, crash or restart. Reads run
/// off the main actor, one at a time, and a burst of events costs one read.
@MainActor
public final class RoomTimeline: ObservableObject {
    /// The newest messages, oldest first; grows with `loadOlder()`.
    @Published public private(set) var messages: [LocalMessage] = []
    /// Ids of the members typing now.
    @Published public private(set) var typingUsers: Set<String> = []
    /// User id to name, for showing who wrote (ids until the member list arrives).
    @Published public private(set) var memberNames: [String: String] = [:]
    /// Whether the server may hold older messages than those shown.
    @Published public private(set) var hasOlder = true
    /// The members in the order they joined, with their roles.
    @Published public private(set) var members: [RoomMember] = []
    /// Membership and settings changes among the shown messages, oldest first (by seq).
    @Published public private(set) var notices: [RoomNotice] = []
    /// Set once the user is no longer a member (left, removed, banned, room deleted).
    @Published public private(set) var ended: MembershipEnd?
    /// The room's pinned messages, most recently pinned first: from the cache at once,
    /// then from the server; read again whenever a message's `pinned` flag changes.
    @Published public private(set) var pins: [LocalMessage] = []
    /// The latest change made on this device (edit, delete, reaction, pin, perhaps
    /// queued offline) that the server refused for good: the cache has undone it
    /// already, and `messages` shows that. For the screen to tell the user.
    @Published public private(set) var changeFailure: ChangeFailure?
    /// How much of each of the user's pending messages with files is uploaded, 0 to 1,
    /// by client message id: from the first progress report until the message is sent,
    /// fails or is discarded. A message not listed has not started uploading.
    @Published public private(set) var uploadProgress: [String: Double] = [:]

    public let roomId: String
    private let client: ChatClient
    private let pageSize: UInt32
    private let typingTimeout: Duration
    private var window: UInt32
    private var listening: Task<Void, Never>?
    private var typingExpiry: [String: Task<Void, Never>] = [:]
    private var reloading = false
    private var reloadAgain = false
    private var lastMarkedRead: UInt64 = 0
    private var pinReads = 0

    /// `typingTimeout`: a typing indicator nobody refreshed for this long is dropped
    /// (the server's TTL).
    public init(client: ChatClient, roomId: String, pageSize: UInt32 = 50, typingTimeout: Duration = .seconds(6)) {
        self.client = client
        self.roomId = roomId
        self.pageSize = pageSize
        self.typingTimeout = typingTimeout
        self.window = pageSize
    }

    /// Follows the room and keeps the published values current until `close()`.
    public func start() {
        guard listening == nil else { return }
        // Subscribe before the first read, so that nothing falls between the two.
        let events = client.events()
        listening = Task { [weak self] in
            for await event in events {
                // Gone without close(): end the loop, which ends the SDK listener.
                guard let self else { break }
                self.handle(event)
            }
        }
        try? client.joinRoom(roomId: roomId)
        showCachedMembers()
        Task { await refreshNames() }
        reloadPins(fromServer: false)
        reloadPins(fromServer: true)
        reload()
    }

    /// Stops updating (the SDK keeps following the room, so it stays in sync).
    public func close() {
        listening?.cancel()
        listening = nil
        typingExpiry.values.forEach { $0.cancel() }
        typingExpiry.removeAll()
    }

    /// Queues `text`, as a reply to the message with the server id `replyTo` and
    /// mentioning the members `mentions` (user ids): stored before this returns and
    /// shown at once as pending, delivered once the server can be reached. Throws
    /// `ChatError.TooLarge`, or `ChatError.Invalid` for too many mentions.
    public func send(_ text: String, replyTo: String? = nil, mentions: [String] = []) throws {
        let content = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !content.isEmpty else { return }
        _ = try client.sendMessageWith(roomId: roomId, content: content, replyTo: replyTo, mentions: mentions)
        try client.setTyping(roomId: roomId, typing: false)
        reload()
    }

    /// Queues a message carrying one file (`data`, named `name`, of the type `mime`) and
    /// `caption`: stored with its file before this returns and shown at once as pending;
    /// the file is uploaded when the network allows (`uploadProgress` follows it) and the
    /// message sent in order with the room's others. A file the server refuses (too
    /// large, not of its declared type) fails the message: `retry` or `cancel` it.
    /// It may answer `replyTo` (a message's server id) like a text. Throws
    /// `ChatError.TooLarge` for a file over the SDK's limit or too long a caption.
    public func sendAttachment(
        data: Data, name: String, mime: String, caption: String?, replyTo: String? = nil
    ) throws {
        let file = NewFile(name: name, mime: mime, bytes: data)
        _ = try client.sendAttachmentsWith(
            roomId: roomId, files: [file], caption: trimmedCaption(caption) ?? "",
            replyTo: replyTo, mentions: [])
        try client.setTyping(roomId: roomId, typing: false)
        reload()
    }

    /// `sendAttachment(data:...)` of the file at `file`, named after it. The SDK copies
    /// it before this returns (a security-scoped URL may be released then) and refuses
    /// one over its limit without reading it into memory. Also throws
    /// `ChatError.Invalid` when the file cannot be read.
    public func sendAttachment(file: URL, mime: String, caption: String?) throws {
        _ = try client.sendAttachmentFile(
            roomId: roomId, path: file.path, mime: mime, caption: trimmedCaption(caption))
        try client.setTyping(roomId: roomId, typing: false)
        reload()
    }

    /// Sets (`on`) or removes the user's `emoji` reaction to `message`, online or
    /// offline: shown at once, sent in order. Throws `ChatError.Invalid` when `emoji` is
    /// not one emoji (or a `:shortcode:`).
    public func react(_ message: LocalMessage, emoji: String, on: Bool) throws {
        _ = try client.react(roomId: roomId, message: message.changeTarget, emoji: emoji, on: on)
        reload()
    }

    /// Tapping a reaction chip: adds the user's own, or takes it back.
    public func toggle(_ message: LocalMessage, reaction: MessageReaction) throws {
        try react(message, emoji: reaction.emoji, on: !reaction.mine)
    }

    /// Pins or unpins `message` (owners and admins; either member of a direct room). A
    /// refusal comes later, as `changeFailure`.
    public func pin(_ message: LocalMessage, pinned: Bool) throws {
        _ = try client.pin(roomId: roomId, message: message.changeTarget, pinned: pinned)
        reload()
    }

    /// Edits one of the user's messages, online or offline (shown at once).
    public func edit(_ message: LocalMessage, text: String) throws {
        let content = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !content.isEmpty else { return }
        _ = try client.editMessage(roomId: roomId, message: message.changeTarget, content: content)
        reload()
    }

    /// Deletes a message (the user's own, or any as an owner or admin), online or offline.
    public func delete(_ message: LocalMessage) throws {
        _ = try client.deleteMessage(roomId: roomId, message: message.changeTarget)
        reload()
    }

    /// Call on every change of the draft: the SDK throttles what goes out.
    public func draftChanged(_ draft: String) {
        let typing = !draft.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        try? client.setTyping(roomId: roomId, typing: typing)
    }

    /// The user sees the newest messages: mark them read (once per new message).
    public func markRead() {
        guard let newest = messages.compactMap(\.seq).max(), newest > lastMarkedRead else { return }
        lastMarkedRead = newest
        try? client.markRead(roomId: roomId, seq: newest)
    }

    /// Shows `pageSize` more older messages (fetched from the server when missing).
    public func loadOlder() {
        window += pageSize
        reload()
    }

    /// Sends a failed message again.
    public func retry(_ message: LocalMessage) throws {
        try client.retry(clientMsgId: message.clientMsgId)
    }

    /// Drops a pending or failed message.
    public func cancel(_ message: LocalMessage) throws {
        try client.cancel(clientMsgId: message.clientMsgId)
        reload()
    }

    /// Reports `message` (and so its sender) to the server's admins.
    public func report(_ message: LocalMessage, reason: String) async throws {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        _ = try await client.report(roomId: roomId, messageId: message.messageId, userId: nil, reason: reason)
    }

    /// Blocks the sender of `message`: their messages read as `senderBlocked` from now on.
    public func blockSender(_ message: LocalMessage) async throws {
        try await client.blockUser(userId: message.senderId)
    }

    /// Ends the user's membership (`ended` follows).
    public func leave() async throws {
        try await client.endMembership(roomId: roomId)
    }

    /// Removes a member (owners and admins).
    public func remove(_ member: RoomMember) async throws {
        try await client.removeMember(roomId: roomId, userId: member.userId)
    }

    /// Bans a member (owners and admins).
    public func ban(_ member: RoomMember) async throws {
        try await client.banUser(roomId: roomId, userId: member.userId, reason: nil)
    }

    private func handle(_ event: ClientEvent) {
        switch event {
        case .message(let message) where message.roomId == roomId:
            stopTyping(message.senderId)
            if memberNames[message.senderId] == nil {
                Task { await refreshNames() }
            }
            pinsTouched(message)
            reload()
        case .changeFailed(let room, let changeId, let messageId, let code, let explanation) where room == roomId:
            changeFailure = ChangeFailure(changeId: changeId, messageId: messageId, code: code, message: explanation)
            reloadPins(fromServer: false)
            reload()
        case .status(let room, let clientMsgId, let status) where room == roomId:
            // Sent, failed or discarded (nil): its upload is over either way. (Pending
            // again is an edit of the waiting message: its upload goes on.)
            if status != .pending {
                uploadProgress[clientMsgId] = nil
            }
            reload()
        case .uploadProgress(let room, let clientMsgId, let position, let sent, let total) where room == roomId:
            uploadProgress[clientMsgId] = uploadedShare(clientMsgId, position: position, sent: sent, total: total)
        case .receipt(let room, _, _, _) where room == roomId:
            reload()
        case .roomJoined(let room, _) where room == roomId:
            reload()
        case .historyLoaded(let room, _, let hasMore) where room == roomId:
            hasOlder = hasMore
            reload()
        case .typing(let room, let user, let isTyping) where room == roomId:
            if isTyping {
                startTyping(user)
            } else {
                stopTyping(user)
            }
        case .notice(let notice) where notice.roomId == roomId:
            if case .member = notice.change {
                Task { await refreshNames() }
            }
            reload()
        case .membershipEnded(let room, let reason) where room == roomId:
            ended = MembershipEnd(reason: reason)
        case .blocksChanged:
            reload()
        default:
            break
        }
    }

    /// A caption as the SDK takes it: none rather than blank.
    private func trimmedCaption(_ caption: String?) -> String? {
        let trimmed = caption?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The share of the whole message: its files go up one after another, in order, so
    /// those before `position` are through. Their sizes come from the pending message as
    /// shown; until it is, the file's own share stands for the message's.
    private func uploadedShare(_ clientMsgId: String, position: UInt32, sent: UInt64, total: UInt64) -> Double {
        let files = messages.first(where: { $0.clientMsgId == clientMsgId })?.attachments ?? []
        let before: UInt64 = files.filter { $0.position < position }.reduce(0) { $0 + $1.size }
        let whole: UInt64 = files.isEmpty ? total : files.reduce(0) { $0 + $1.size }
        guard whole > 0 else { return 1 }
        return min(1, Double(before + sent) / Double(whole))
    }

    /// Reads the window from the cache off the main actor. One read at a time; events
    /// that arrive during a read cause exactly one more.
    private func reload() {
        if reloading {
            reloadAgain = true
            return
        }
        reloading = true
        let client = self.client
        let roomId = self.roomId
        let limit = window
        Task {
            let (page, notices) = await Task.detached {
                (
                    try? client.messages(roomId: roomId, beforeSeq: nil, limit: limit),
                    try? client.notices(roomId: roomId, beforeSeq: nil, limit: limit)
                )
            }.value
            if let page {
                let oldest = page.compactMap(\.seq).first ?? 0
                self.notices = (notices ?? []).filter { $0.seq > oldest }
                self.messages = page
            }
            self.reloading = false
            if self.reloadAgain {
                self.reloadAgain = false
                self.reload()
            }
        }
    }

    /// Pinned or unpinned: ask the server for the list. A pinned message edited, deleted
    /// or reacted to: its entry is read again from the cache.
    private func pinsTouched(_ message: LocalMessage) {
        let listed = pins.contains { $0.messageId == message.messageId }
        if message.pinned != listed {
            reloadPins(fromServer: true)
        } else if listed {
            reloadPins(fromServer: false)
        }
    }

    /// Reads the pins from the cache (off the main actor) or the server. Only the newest
    /// read started is shown, so an older one finishing late never overwrites it.
    private func reloadPins(fromServer: Bool) {
        pinReads += 1
        let read = pinReads
        let client = self.client
        let roomId = self.roomId
        Task {
            let pins: [LocalMessage]?
            if fromServer {
                pins = try? await client.pins(roomId: roomId)
            } else {
                pins = await Task.detached { try? client.cachedPins(roomId: roomId) }.value
            }
            // Offline or storage failed: the pins stay as last read.
            if let pins, read == self.pinReads {
                self.pins = pins
            }
        }
    }

    /// The members as last read, at once and offline (mentions complete from them),
    /// until the server's list arrives.
    private func showCachedMembers() {
        guard members.isEmpty, let cached = try? client.cachedMembers(roomId: roomId) else { return }
        members = cached
        for member in cached where memberNames[member.userId] == nil {
            memberNames[member.userId] = member.displayName
        }
    }

    private func refreshNames() async {
        // Offline or not allowed: names stay as they are; ids are shown meanwhile.
        guard let members = try? await client.members(roomId: roomId) else { return }
        self.members = members
        // Former members keep their names, for notices such as "Bob left".
        for member in members {
            memberNames[member.userId] = member.displayName
        }
    }

    private func startTyping(_ user: String) {
        typingUsers.insert(user)
        typingExpiry[user]?.cancel()
        let timeout = typingTimeout
        typingExpiry[user] = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            guard !Task.isCancelled else { return }
            self?.stopTyping(user)
        }
    }

    private func stopTyping(_ user: String) {
        typingExpiry.removeValue(forKey: user)?.cancel()
        typingUsers.remove(user)
    }
}

/// Why the user is no longer in a room; `reason` is nil when only a refused resume told.
public struct MembershipEnd: Equatable {
    public let reason: LeaveReason?
}

/// A change to a message (edit, delete, reaction, pin) that the server refused for good:
/// `changeId` is what the call returned, `messageId` the message once stored, `message`
/// the server's explanation.
public struct ChangeFailure: Equatable {
    public let changeId: String
    public let messageId: String?
    public let code: ErrorCode
    public let message: String
}

private extension LocalMessage {
    /// What a change names the message by: its server id, or while it is pending, the
    /// client's.
    var changeTarget: String { messageId ?? clientMsgId }
}
