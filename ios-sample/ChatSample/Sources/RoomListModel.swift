import ChatKit
import Foundation

/// The user's rooms (ChatKit's live list: from the cache at once, badges moving as
/// messages and reads come in; favorites first), those they archived, and the public ones
/// they could join (read on refresh).
@MainActor
final class RoomListModel: ObservableObject {
    @Published private(set) var mine: [RoomSummary] = []
    @Published private(set) var archived: [RoomSummary] = []
    @Published private(set) var joinable: [RoomSummary] = []
    @Published var error: String?

    private let user: SignedIn
    private let list: RoomList
    private var following: Task<Void, Never>?

    init(user: SignedIn) {
        self.user = user
        self.list = RoomList(client: user.client)
        list.start()
        following = Task { [weak self] in
            guard let rooms = self?.list.$rooms.values else { return }
            for await rooms in rooms {
                guard let self else { break }
                self.mine = rooms.filter { $0.placement != .archived }
                self.archived = rooms.filter { $0.placement == .archived }
                let ids = Set(rooms.map(\.roomId))
                self.joinable = self.joinable.filter { !ids.contains($0.roomId) }
            }
        }
    }

    deinit {
        following?.cancel()
    }

    func refresh() async {
        await list.refresh()
        do {
            let ids = Set((mine + archived).map(\.roomId))
            joinable = try await user.client.publicRooms().filter { !ids.contains($0.roomId) }
            error = nil
        } catch {
            self.error = describe(error)
        }
    }

    /// The direct room with the user called `username` (created if new).
    func startDirect(with username: String) async -> RoomSummary? {
        await act {
            let other = try await user.client.findUser(username: username.trimmingCharacters(in: .whitespaces))
            let roomId = try await user.client.createRoom(
                name: other.username, visibility: .direct, members: [other.userId])
            return newRoom(roomId, name: other.displayName, visibility: .direct, kind: .direct)
        }
    }

    /// A new public room anyone can join.
    func createPublic(named name: String) async -> RoomSummary? {
        await act {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            let roomId = try await user.client.createRoom(name: trimmed, visibility: .public, members: [])
            return newRoom(roomId, name: trimmed, visibility: .public, kind: .group)
        }
    }

    /// Joins the room behind an invite code someone shared.
    func join(inviteCode code: String) async -> RoomSummary? {
        await act {
            let trimmed = code.trimmingCharacters(in: .whitespaces)
            let room = try await user.client.invitePreview(code: trimmed)
            let roomId = try await user.client.joinWithInvite(code: trimmed)
            return newRoom(roomId, name: room.name, visibility: room.visibility, kind: .group)
        }
    }

    /// Makes a room a favorite or archives it, or (`nil`) puts it back among the others,
    /// on every device of the user; the list moves when the server's summary comes back.
    func place(_ room: RoomSummary, _ placement: RoomPlacement?) async {
        do {
            try await list.place(roomId: room.roomId, placement: placement)
            error = nil
        } catch {
            self.error = describe(error)
        }
    }

    /// Marks a room unread (`true`), or reads it all from the list (`false`: the badge and
    /// the mark go), on every device of the user.
    func markUnread(_ room: RoomSummary, _ unread: Bool) async {
        do {
            if unread {
                try await list.markUnread(roomId: room.roomId)
            } else {
                try await list.markRead(room)
            }
            error = nil
        } catch {
            self.error = describe(error)
        }
    }

    /// Joins a public room.
    func join(_ room: RoomSummary) async -> RoomSummary? {
        await act {
            try await user.client.addMember(roomId: room.roomId, userId: user.session.userId)
            return room
        }
    }

    /// A room just created here, until the list brings its summary.
    private func newRoom(_ roomId: String, name: String, visibility: RoomVisibility, kind: RoomKind) -> RoomSummary {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return RoomSummary(
            roomId: roomId, name: name, visibility: visibility, lastSeq: 0, createdAt: now, kind: kind,
            lastMessage: nil, lastActivityAt: now, unreadCount: 0, readSeq: 0, muted: false, mentionCount: 0)
    }

    private func act(_ body: () async throws -> RoomSummary) async -> RoomSummary? {
        do {
            let room = try await body()
            await refresh()
            return room
        } catch {
            self.error = describe(error)
            return nil
        }
    }
}
