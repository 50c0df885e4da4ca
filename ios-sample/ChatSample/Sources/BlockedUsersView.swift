import ChatKit
import SwiftUI

/// The users this user blocked, each with "Unblock" (their messages then show again).
struct BlockedUsersView: View {
    let client: ChatClient
    @Environment(\.dismiss) private var dismiss
    @State private var blocked: [BlockedUser] = []
    @State private var error: String?

    var body: some View {
        NavigationStack {
            List {
                if let error {
                    Text(error).foregroundStyle(.red)
                }
                if blocked.isEmpty {
                    Text("Nobody.").foregroundStyle(.secondary)
                }
                ForEach(blocked, id: \.userId) { user in
                    HStack {
                        Text(verbatim: user.displayName)
                        Spacer()
                        Button("Unblock") { Task { await unblock(user) } }
                    }
                }
            }
            .navigationTitle("Blocked users")
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
            .task { await load() }
        }
    }

    private func load() async {
        do {
            blocked = try await client.blockedUsers()
        } catch {
            self.error = describe(error)
        }
    }

    private func unblock(_ user: BlockedUser) async {
        do {
            try await client.unblockUser(userId: user.userId)
            await load()
        } catch {
            self.error = describe(error)
        }
    }
}
