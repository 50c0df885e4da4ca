import ChatKit
import SwiftUI

/// "Your data": asks the server for the user's data export (profile, rooms, blocks,
/// devices, sign-ins, reports filed, reactions and every message they sent), keeps it as chat-export.json in the
/// app's temporary folder, and offers it to the share sheet (Save to Files, AirDrop, Mail).
struct DataExportView: View {
    let client: ChatClient
    @Environment(\.dismiss) private var dismiss
    @State private var file: URL?
    @State private var error: String?

    var body: some View {
        NavigationStack {
            VStack(spacing: 16) {
                if let error {
                    Text(error).foregroundStyle(.red)
                } else if let file {
                    Text("Your data is ready.")
                    ShareLink(item: file) {
                        Label("Save or share chat-export.json", systemImage: "square.and.arrow.up")
                    }
                } else {
                    ProgressView("Gathering your data…")
                }
            }
            .padding()
            .navigationTitle("Your data")
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
            let bytes = try await client.exportMyData()
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("chat-export.json")
            try bytes.write(to: url, options: [.atomic, .completeFileProtection])
            file = url
        } catch {
            self.error = describe(error)
        }
    }
}
