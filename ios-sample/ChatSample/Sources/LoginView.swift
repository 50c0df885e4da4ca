import ChatKit
import SwiftUI

/// Username and password; sign in, or create the account.
struct LoginView: View {
    @ObservedObject var model: AppModel
    @State private var username = ""
    @State private var password = ""
    @State private var busy = false
    @State private var error: String?
    /// Set when the user has a reset code from an admin: the password is then a new one.
    @State private var resetCode: String?

    private var ready: Bool {
        !username.trimmingCharacters(in: .whitespaces).isEmpty && password.count >= 8 && !busy
            && resetCode.map { !$0.isEmpty } ?? true
    }

    var body: some View {
        VStack(spacing: 16) {
            Text("Chat").font(.largeTitle.bold())
            TextField("Username", text: $username)
                .textContentType(.username)
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
                .textFieldStyle(.roundedBorder)
            if resetCode != nil {
                TextField("Reset code", text: Binding(get: { resetCode ?? "" }, set: { resetCode = $0 }))
                    .textContentType(.oneTimeCode)
                    .textInputAutocapitalization(.never)
                    .autocorrectionDisabled()
                    .textFieldStyle(.roundedBorder)
            }
            SecureField(
                resetCode == nil ? "Password (8 characters or more)" : "New password (8 characters or more)",
                text: $password
            )
            .textContentType(resetCode == nil ? .password : .newPassword)
            .textFieldStyle(.roundedBorder)
            if let error {
                Text(error).foregroundStyle(.red).font(.footnote)
            }
            HStack {
                if let resetCode {
                    Button("Set password and sign in") { submitReset(code: resetCode) }
                        .buttonStyle(.borderedProminent)
                } else {
                    Button("Sign in") { submit(register: false) }
                        .buttonStyle(.borderedProminent)
                    Button("Create account") { submit(register: true) }
                        .buttonStyle(.bordered)
                }
                if busy {
                    ProgressView()
                }
            }
            .disabled(!ready)
            Button(resetCode == nil ? "Forgot your password? Use a reset code" : "Back to sign-in") {
                resetCode = resetCode == nil ? "" : nil
            }
            .font(.footnote)
        }
        .padding(24)
    }

    private func submitReset(code: String) {
        busy = true
        error = nil
        Task {
            do {
                try await model.resetPassword(
                    username: username.trimmingCharacters(in: .whitespaces),
                    resetCode: code.trimmingCharacters(in: .whitespaces),
                    newPassword: password)
            } catch {
                self.error = describe(error)
            }
            busy = false
        }
    }

    private func submit(register: Bool) {
        busy = true
        error = nil
        Task {
            do {
                try await model.signIn(
                    username: username.trimmingCharacters(in: .whitespaces),
                    password: password,
                    register: register)
            } catch {
                self.error = describe(error)
            }
            busy = false
        }
    }
}
