import ChatKit
import SwiftUI

/// One room: messages newest at the bottom with status ticks on the user's own, replies
/// with their quotes and reactions; who is typing, the offline banner, the newest pinned
/// message, and the composer (with the reply being written and @-mention completion).
/// Reaching the oldest message loads more.
struct ChatView: View {
    let user: SignedIn
    @ObservedObject var app: AppModel
    let room: RoomSummary
    @StateObject private var timeline: RoomTimeline
    @State private var replyingTo: LocalMessage?
    @State private var error: String?
    @State private var editing: LocalMessage?
    @State private var editText = ""
    @State private var reporting: LocalMessage?
    @State private var reportReason = ""
    @State private var blocking: LocalMessage?
    @State private var showingMembers = false
    @State private var confirmingLeave = false
    /// The attachment open full size.
    @State private var viewing: MessageAttachment?
    @Environment(\.dismiss) private var dismiss
    // Loading older messages waits until the list has first scrolled to the bottom: a
    // List starts at the top, where the oldest row would otherwise ask for more at once.
    @State private var scrolledToBottom = false

    init(user: SignedIn, app: AppModel, room: RoomSummary) {
        self.user = user
        self.app = app
        self.room = room
        _timeline = StateObject(wrappedValue: RoomTimeline(client: user.client, roomId: room.roomId))
    }

    var body: some View {
        VStack(spacing: 0) {
            OfflineBanner(state: app.connection)
            ScrollViewReader { scroller in
                VStack(spacing: 0) {
                    PinnedBanner(pins: timeline.pins, names: timeline.memberNames) { pinned in
                        // Shown when loaded; an older one stays in the banner only.
                        if let shown = timeline.messages.first(where: { $0.messageId == pinned.messageId }) {
                            withAnimation { scroller.scrollTo(shown.clientMsgId, anchor: .center) }
                        }
                    }
                    List {
                        ForEach(TimelineEntry.merge(timeline.messages, timeline.notices)) { entry in
                            switch entry {
                            case .notice(let notice):
                                NoticeLine(text: describe(notice, names: timeline.memberNames))
                                    .listRowSeparator(.hidden)
                            case .message(let message):
                                row(message)
                            }
                        }
                    }
                    .listStyle(.plain)
                    .onChange(of: timeline.messages.last?.clientMsgId) { newest in
                        guard let newest else { return }
                        withAnimation { scroller.scrollTo(newest, anchor: .bottom) }
                        scrolledToBottom = true
                        timeline.markRead()
                    }
                }
            }
            if let line = typingLine {
                Text(line)
                    .font(.caption)
                    .foregroundStyle(.secondary)
                    .frame(maxWidth: .infinity, alignment: .leading)
                    .padding(.horizontal, 16)
            }
            composer
        }
        .navigationTitle(room.name.isEmpty ? "Chat" : room.name)
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            ToolbarItem(placement: .navigationBarTrailing) {
                Menu {
                    Button("Members") { showingMembers = true }
                    Button("Leave room", role: .destructive) { confirmingLeave = true }
                } label: {
                    Image(systemName: "ellipsis.circle")
                }
                .accessibilityLabel("Room")
            }
        }
        .sheet(isPresented: $showingMembers) {
            RoomInfoView(timeline: timeline, client: user.client, me: user.session.userId) { error = $0 }
        }
        .sheet(isPresented: Binding(get: { viewing != nil }, set: { if !$0 { viewing = nil } })) {
            if let viewing {
                AttachmentViewer(attachment: viewing, client: user.client)
            }
        }
        .confirmationDialog("Leave this room?", isPresented: $confirmingLeave) {
            Button("Leave", role: .destructive) { act { try await timeline.leave() } }
        }
        // No longer a member (left here or elsewhere, removed, banned): back to the list.
        .onChange(of: timeline.ended) { ended in
            if ended != nil { dismiss() }
        }
        .alert(
            "Report message",
            isPresented: Binding(get: { reporting != nil }, set: { if !$0 { reporting = nil } }),
            presenting: reporting
        ) { message in
            TextField("Why are you reporting it?", text: $reportReason)
            Button("Report") {
                let reason = reportReason
                reportReason = ""
                act { try await timeline.report(message, reason: reason) }
            }
            Button("Cancel", role: .cancel) {}
        }
        .confirmationDialog(
            "Block this sender? Their messages will be hidden, and they cannot message you directly.",
            isPresented: Binding(get: { blocking != nil }, set: { if !$0 { blocking = nil } }),
            titleVisibility: .visible,
            presenting: blocking
        ) { message in
            Button("Block", role: .destructive) { act { try await timeline.blockSender(message) } }
        }
        .onAppear { timeline.start() }
        .onDisappear { timeline.close() }
        // A change the server refused (perhaps made offline): it is undone on screen.
        .onChange(of: timeline.changeFailure) { failure in
            if let failure { error = describe(failure) }
        }
        .alert("Something went wrong", isPresented: Binding(get: { error != nil }, set: { if !$0 { error = nil } })) {
            Button("OK", role: .cancel) {}
        } message: {
            Text(error ?? "")
        }
        .alert(
            "Edit message",
            isPresented: Binding(get: { editing != nil }, set: { if !$0 { editing = nil } }),
            presenting: editing
        ) { message in
            TextField("Message", text: $editText)
            Button("Save") { saveEdit(message) }
            Button("Cancel", role: .cancel) {}
        }
    }

    private func row(_ message: LocalMessage) -> some View {
        MessageRow(
            message: message,
            mine: message.senderId == user.session.userId,
            senderName: timeline.memberNames[message.senderId] ?? String(message.senderId.prefix(8)),
            quote: message.replyTo.map { parentId in
                Quote(timeline.messages.first(where: { $0.messageId == parentId }), names: timeline.memberNames)
            },
            mentionsMe: message.mentions.contains(user.session.userId),
            client: user.client,
            uploadProgress: timeline.uploadProgress[message.clientMsgId],
            onOpen: { viewing = $0 },
            onReply: { replyingTo = message },
            onReact: { emoji in
                let mine = message.reactions.contains { $0.emoji == emoji && $0.mine }
                attempt { try timeline.react(message, emoji: emoji, on: !mine) }
            },
            onToggleReaction: { reaction in attempt { try timeline.toggle(message, reaction: reaction) } },
            onPin: { pinned in attempt { try timeline.pin(message, pinned: pinned) } },
            onSave: { Task { await save(message) } },
            onRetry: { attempt { try timeline.retry(message) } },
            onDiscard: { attempt { try timeline.cancel(message) } },
            onEdit: {
                editText = message.content
                editing = message
            },
            onDelete: { delete(message) },
            onReport: { reporting = message },
            onBlock: { blocking = message })
        .listRowSeparator(.hidden)
        .id(message.clientMsgId)
        .onAppear {
            if scrolledToBottom, message.clientMsgId == timeline.messages.first?.clientMsgId,
               timeline.hasOlder {
                timeline.loadOlder()
            }
        }
    }

    private var composer: some View {
        Composer(
            replyingTo: replyingTo.map { Quote($0, names: timeline.memberNames) },
            members: timeline.members,
            me: user.session.userId,
            onCancelReply: { replyingTo = nil },
            onDraftChanged: { timeline.draftChanged($0) },
            onSend: { text, mentions in
                attempt {
                    try timeline.send(text, replyTo: replyingTo?.messageId, mentions: mentions)
                    replyingTo = nil
                }
            },
            // A photo answers the message replied to; a file by path goes as no reply,
            // and the reply being written stays for the next message.
            onAttach: { attachment, caption in
                attempt {
                    switch attachment {
                    case .photo(let data, let name, let mime):
                        try timeline.sendAttachment(
                            data: data, name: name, mime: mime, caption: caption,
                            replyTo: replyingTo?.messageId)
                        replyingTo = nil
                    case .file(let url, let mime):
                        try timeline.sendAttachment(file: url, mime: mime, caption: caption)
                    }
                }
            },
            onError: { error = $0 })
    }

    private var typingLine: String? {
        let names = timeline.typingUsers.map { timeline.memberNames[$0] ?? String($0.prefix(8)) }.sorted()
        switch names.count {
        case 0: return nil
        case 1: return "\(names[0]) is typing…"
        case 2: return "\(names[0]) and \(names[1]) are typing…"
        default: return "Several people are typing…"
        }
    }

    // Edits, deletes, reactions and pins show at once and are queued when offline; a
    // refusal by the server arrives later, as the timeline's changeFailure.

    private func saveEdit(_ message: LocalMessage) {
        let text = editText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text != message.content else { return }
        attempt { try timeline.edit(message, text: text) }
    }

    private func delete(_ message: LocalMessage) {
        attempt { try timeline.delete(message) }
    }

    /// Runs a server call; shows what went wrong, if anything.
    private func act(_ action: @escaping () async throws -> Void) {
        Task {
            do {
                try await action()
            } catch {
                self.error = describe(error)
            }
        }
    }

    /// Saves the message among the user's saved messages (every device of theirs hears).
    private func save(_ message: LocalMessage) async {
        guard let messageId = message.messageId else { return }
        do {
            try await user.client.saveMessage(roomId: room.roomId, messageId: messageId, saved: true)
        } catch {
            self.error = describe(error)
        }
    }

    /// Runs a local call; shows what went wrong, if anything. Returns whether it went
    /// through.
    @discardableResult
    private func attempt(_ action: () throws -> Void) -> Bool {
        do {
            try action()
            return true
        } catch {
            self.error = describe(error)
            return false
        }
    }
}
