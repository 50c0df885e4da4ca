import ChatKit
import SwiftUI

/// The room's members with their roles. An owner or admin can remove or ban the members
/// they outrank (admins act on members; the owner on admins too).
struct RoomInfoView: View {
    @ObservedObject var timeline: RoomTimeline
    let me: String
    let onError: (String) -> Void
    @Environment(\.dismiss) private var dismiss

    var body: some View {
        NavigationStack {
            List(timeline.members, id: \.userId) { member in
                HStack {
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
            .toolbar {
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
