import ChatKit
import SwiftUI

/// Username and password; sign in, or create the account.
struct LoginView: View {
    @ObservedObject var model: AppModel
    @State private var username = ""
    @State private var password = ""
    @State private var busy = false
    @State private var error: String?

    private var ready: Bool {
        !username.trimmingCharacters(in: .whitespaces).isEmpty && password.count >= 8 && !busy
    }

    var body: some View {
        VStack(spacing: 16) {
            Text("Chat").font(.largeTitle.bold())
            TextField("Username", text: $username)
                .textContentType(.username)
                .textInputAutocapitalization(.never)
                .autocorrectionDisabled()
                .textFieldStyle(.roundedBorder)
            SecureField("Password (8 characters or more)", text: $password)
                .textContentType(.password)
                .textFieldStyle(.roundedBorder)
            if let error {
                Text(error).foregroundStyle(.red).font(.footnote)
            }
            HStack {
                Button("Sign in") { submit(register: false) }
                    .buttonStyle(.borderedProminent)
                Button("Create account") { submit(register: true) }
                    .buttonStyle(.bordered)
                if busy {
                    ProgressView()
                }
            }
            .disabled(!ready)
        }
        .padding(24)
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
