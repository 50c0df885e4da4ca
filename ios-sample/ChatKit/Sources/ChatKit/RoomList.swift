// The user's rooms as a home screen shows them, for SwiftUI: the same model as the
// Kotlin RoomList in android-sample/chatkit, so both apps behave alike.

import Foundation

/// Every room of the user, favorites first, then the others, each part most recent
/// activity first, each with its last message, unread badge, placement and unread mark,
/// published for SwiftUI.
///
/// The SDK's cache is the source of truth: the list shows at once from it (offline and
/// after a restart too), and is read again whenever the SDK reports a change
/// (`roomListChanged`: a message in any room, a read on another device, a room the user
/// was added to, the catch-up after a reconnect). Reads run off the main actor, one at
/// a time, and a burst of changes costs one read.
@MainActor
public final class RoomList: ObservableObject {
    /// Every room: favorites first, then the others, each part most recent activity first.
    @Published public private(set) var rooms: [RoomSummary] = []

    /// The home screen's rooms: `rooms` without the archived ones.
    public var shown: [RoomSummary] { rooms.filter { $0.placement != .archived } }

    /// The rooms the user archived, most recent activity first (a list of their own).
    public var archived: [RoomSummary] { rooms.filter { $0.placement == .archived } }

    private let client: ChatClient
    private var listening: Task<Void, Never>?
    private var reloading = false
    private var reloadAgain = false

    public init(client: ChatClient) {
        self.client = client
    }

    /// Unread messages over the rooms that are not muted: the app icon's badge.
    public var totalUnread: UInt64 {
        rooms.filter { !$0.muted }.reduce(0) { $0 + $1.unreadCount }
    }

    /// Keeps `rooms` current until `close()`.
    public func start() {
        guard listening == nil else { return }
        // Subscribe before the first read, so that nothing falls between the two.
        let events = client.events()
        listening = Task { [weak self] in
            for await event in events {
                guard let self else { break }
                if case .roomListChanged = event {
                    self.reload()
                }
            }
        }
        reload()
    }

    /// Stops updating.
    public func close() {
        listening?.cancel()
        listening = nil
    }

    /// Makes a room a favorite, archives it, or (`nil`) puts it back in the main list,
    /// on every device of the user; `rooms` follows when the server's summary comes back.
    public func place(roomId: String, placement: RoomPlacement?) async throws {
        try await client.setRoomPlacement(roomId: roomId, placement: placement)
    }

    /// Whether to show the room as unread: messages to read, or the user marked it so.
    public func isUnread(_ room: RoomSummary) -> Bool {
        room.unreadCount > 0 || room.markedUnread
    }

    /// Marks a room unread ("mark as unread"), on every device of the user: `isUnread`
    /// holds for it until the user reads it; `rooms` follows when the server's summary
    /// comes back.
    public func markUnread(roomId: String) async throws {
        try await client.markRoomUnread(roomId: roomId, unread: true)
    }

    /// Reads the whole room from the list ("mark as read"): the badge and any mark as
    /// unread go, on every device of the user.
    public func markRead(_ room: RoomSummary) async throws {
        // A read receipt takes the mark away with the badge; a room without a message to
        // read has only the mark to take away.
        if room.lastSeq > 0 {
            try client.markRead(roomId: room.roomId, seq: room.lastSeq)
        } else {
            try await client.markRoomUnread(roomId: room.roomId, unread: false)
        }
        reload()
    }

    /// Reads the list from the server now (pull to refresh); the SDK also does it on
    /// every connect. Offline, the cached list stays.
    public func refresh() async {
        _ = try? await client.refreshRoomList()
        reload()
    }

    /// Reads the list from the cache off the main actor. One read at a time; changes
    /// that arrive during a read cause exactly one more.
    private func reload() {
        if reloading {
            reloadAgain = true
            return
        }
        reloading = true
        let client = self.client
        Task {
            let list = await Task.detached { try? client.roomList() }.value
            if let list {
                self.rooms = list
            }
            self.reloading = false
            if self.reloadAgain {
                self.reloadAgain = false
                self.reload()
            }
        }
    }
}
