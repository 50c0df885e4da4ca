import ChatKit
import Foundation

/// The user's rooms and the public ones they could join.
@MainActor
final class RoomListModel: ObservableObject {
    @Published private(set) var mine: [RoomSummary] = []
    @Published private(set) var joinable: [RoomSummary] = []
    @Published var error: String?

    private let user: SignedIn

    init(user: SignedIn) {
        self.user = user
    }

    func refresh() async {
        do {
            let mine = try await user.client.rooms()
            let ids = Set(mine.map(\.roomId))
            let joinable = try await user.client.publicRooms().filter { !ids.contains($0.roomId) }
            self.mine = mine
            self.joinable = joinable
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
            return RoomSummary(roomId: roomId, name: other.username, visibility: .direct, lastSeq: 0, createdAt: 0)
        }
    }

    /// A new public room anyone can join.
    func createPublic(named name: String) async -> RoomSummary? {
        await act {
            let trimmed = name.trimmingCharacters(in: .whitespaces)
            let roomId = try await user.client.createRoom(name: trimmed, visibility: .public, members: [])
            return RoomSummary(roomId: roomId, name: trimmed, visibility: .public, lastSeq: 0, createdAt: 0)
        }
    }

    /// Joins a public room.
    func join(_ room: RoomSummary) async -> RoomSummary? {
        await act {
            try await user.client.addMember(roomId: room.roomId, userId: user.session.userId)
            return room
        }
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
