import ChatKit
import PhotosUI
import SwiftUI

/// The room's members with their pictures and roles. An owner or admin can remove or ban
/// the members they outrank (admins act on members; the owner on admins too), and set
/// the room's picture (a direct room has neither: its picture is the other member's).
/// Anyone may ask for an invite link to share.
struct RoomInfoView: View {
    @ObservedObject var timeline: RoomTimeline
    let client: ChatClient
    let me: String
    let onError: (String) -> Void
    @Environment(\.dismiss) private var dismiss
    @State private var picture: PhotosPickerItem?
    /// A new invite's code, to share (shown once).
    @State private var inviteCode: String?

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
            .sheet(isPresented: Binding(get: { inviteCode != nil }, set: { if !$0 { inviteCode = nil } })) {
                if let code = inviteCode {
                    ShareLink(item: "Join the room in the chat app with this invite code: \(code)") {
                        Label("Share invite code \(code)", systemImage: "square.and.arrow.up")
                    }
                    .padding()
                }
            }
            .onChange(of: picture) { item in
                guard let item else { return }
                picture = nil
                act {
                    guard case .photo(let data, let name, let mime) = try await NewAttachment.loadPhoto(item) else { return }
                    _ = try await client.setRoomAvatar(roomId: timeline.roomId, bytes: data, name: name, mime: mime)
                }
            }
            .toolbar {
                // Where only admins may add members, the server refuses a member's invite.
                ToolbarItem(placement: .secondaryAction) {
                    Button("Invite link") {
                        act {
                            let invite = try await client.createInvite(
                                roomId: timeline.roomId, expiresInSecs: nil, maxUses: nil)
                            inviteCode = invite.code
                        }
                    }
                }
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
