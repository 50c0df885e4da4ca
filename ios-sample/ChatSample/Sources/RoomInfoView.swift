import ChatKit
import PhotosUI
import SwiftUI

/// The room's members with their pictures and roles. An owner or admin can remove or ban
/// the members they outrank (admins act on members; the owner on admins too), and set
/// the room's picture (a direct room has neither: its picture is the other member's).
struct RoomInfoView: View {
    @ObservedObject var timeline: RoomTimeline
    let client: ChatClient
    let me: String
    let onError: (String) -> Void
    @Environment(\.dismiss) private var dismiss
    @State private var picture: PhotosPickerItem?

    var body: some View {
        NavigationStack {
            List(timeline.members, id: \.userId) { member in
                HStack {
                    AvatarView(client: client, avatarId: member.avatarId, name: member.displayName, size: 32)
                    VStack(alignment: .leading) {
                        Text(verbatim: member.displayName)
                        if member.role != .member {
                            Text(member.role == .owner ? "owner" : "admin")
                                .font(.caption)
                                .foregroundStyle(.secondary)
                        }
                    }
                    Spacer()
                }
                .swipeActions {
                    if member.userId != me, outranks(member.role) {
                        Button("Ban", role: .destructive) { act { try await timeline.ban(member) } }
                        Button("Remove") { act { try await timeline.remove(member) } }
                    }
                }
            }
            .navigationTitle("Members")
            .onChange(of: picture) { item in
                guard let item else { return }
                picture = nil
                act {
                    guard case .photo(let data, let name, let mime) = try await NewAttachment.loadPhoto(item) else { return }
                    _ = try await client.setRoomAvatar(roomId: timeline.roomId, bytes: data, name: name, mime: mime)
                }
            }
            .toolbar {
                if myRole != .member {
                    ToolbarItem(placement: .primaryAction) {
                        PhotosPicker("Room picture", selection: $picture, matching: .images)
                    }
                }
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
        }
    }

    private var myRole: MemberRole {
        timeline.members.first { $0.userId == me }?.role ?? .member
    }

    private func outranks(_ other: MemberRole) -> Bool {
        switch myRole {
        case .owner: return other != .owner
        case .admin: return other == .member
        case .member: return false
        }
    }

    private func act(_ action: @escaping () async throws -> Void) {
        Task {
            do {
                try await action()
            } catch {
                onError(describe(error))
            }
        }
    }
}
