import ChatKit
import SwiftUI

/// "Your devices": where the account is signed in, most recently active first. Any other
/// device can be signed out (it has to sign in again and gets no more notifications), or
/// all of them at once.
struct SignInsView: View {
    let client: ChatClient
    @Environment(\.dismiss) private var dismiss
    @State private var signIns: [SignIn] = []
    @State private var error: String?

    var body: some View {
        NavigationStack {
            List {
                if let error {
                    Text(error).foregroundStyle(.red)
                }
                ForEach(signIns, id: \.id) { signIn in
                    HStack {
                        VStack(alignment: .leading) {
                            Text(verbatim: signIn.deviceName ?? "Unnamed device")
                            Text(signIn.current ? "This device" : "Active \(lastActive(signIn))")
                                .font(.caption)
                                .foregroundStyle(.secondary)
                        }
                        Spacer()
                        if !signIn.current {
                            Button("Sign out") { Task { await end(signIn) } }
                        }
                    }
                }
                if signIns.filter({ !$0.current }).count > 1 {
                    Button("Sign out all other devices", role: .destructive) {
                        Task { await endOthers() }
                    }
                }
            }
            .navigationTitle("Your devices")
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
            .task { await load() }
        }
    }

    private func lastActive(_ signIn: SignIn) -> String {
        let date = Date(timeIntervalSince1970: TimeInterval(signIn.lastActiveAt) / 1000)
        return date.formatted(date: .abbreviated, time: .shortened)
    }

    private func load() async {
        do {
            signIns = try await client.signIns()
        } catch {
            self.error = describe(error)
        }
    }

    private func end(_ signIn: SignIn) async {
        do {
            try await client.endSignIn(signInId: signIn.id)
            await load()
        } catch {
            self.error = describe(error)
        }
    }

    private func endOthers() async {
        do {
            _ = try await client.endOtherSignIns()
            await load()
        } catch {
            self.error = describe(error)
        }
    }
}
