import ChatKit
import SwiftUI

/// Changing the password: every other device of the user is signed out, and this one
/// goes on with the new session (the app stores it through `sessionRenewed`).
struct ChangePasswordView: View {
    let client: ChatClient
    @Environment(\.dismiss) private var dismiss
    @State private var currentPassword = ""
    @State private var newPassword = ""
    @State private var error: String?
    @State private var busy = false

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Text("Your other devices will be signed out.")
                    SecureField("Current password", text: $currentPassword)
                        .textContentType(.password)
                    SecureField("New password (8 characters or more)", text: $newPassword)
                        .textContentType(.newPassword)
                }
                if let error {
                    Text(error).foregroundStyle(.red)
                }
                Button("Change password") {
                    busy = true
                    Task {
                        do {
                            _ = try await client.changePassword(currentPassword: currentPassword, newPassword: newPassword)
                            dismiss()
                        } catch {
                            self.error = describe(error)
                        }
                        busy = false
                    }
                }
                .disabled(busy || currentPassword.isEmpty || newPassword.count < 8)
            }
            .navigationTitle("Change password")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("Cancel") { dismiss() }
                }
            }
        }
    }
}
