import ChatKit
import SwiftUI

/// Deleting the account (App Store guideline 5.1.1(v)): confirmed with the password,
/// optionally erasing every message. On success the app is signed out.
struct DeleteAccountView: View {
    @ObservedObject var model: AppModel
    @Environment(\.dismiss) private var dismiss
    @State private var password = ""
    @State private var eraseMessages = false
    @State private var error: String?
    @State private var busy = false

    var body: some View {
        NavigationStack {
            Form {
                Section {
                    Text("Your rooms, name and sign-in go away for good.")
                    SecureField("Password", text: $password)
                        .textContentType(.password)
                    Toggle("Also delete my messages", isOn: $eraseMessages)
                }
                if let error {
                    Text(error).foregroundStyle(.red)
                }
                Button("Delete my account", role: .destructive) {
                    busy = true
                    Task {
                        do {
                            try await model.deleteAccount(
                                password: password.isEmpty ? nil : password,
                                eraseMessages: eraseMessages)
                            dismiss()
                        } catch {
                            self.error = describe(error)
                        }
                        busy = false
                    }
                }
                .disabled(busy)
            }
            .navigationTitle("Delete account")
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("Cancel") { dismiss() }
                }
            }
        }
    }
}
