import ChatKit
import SwiftUI

/// "Saved": the messages the user saved (a message's context menu), most recently saved
/// first, the same on every device; swipe one to remove it.
struct SavedView: View {
    let client: ChatClient
    /// The user's rooms, to name each message's room.
    let rooms: [RoomSummary]
    @Environment(\.dismiss) private var dismiss
    @State private var saved: [SavedItem] = []
    @State private var error: String?

    var body: some View {
        NavigationStack {
            List {
                if let error {
                    Text(error).foregroundStyle(.red)
                }
                if saved.isEmpty {
                    Text("Nothing saved. Press and hold a message to save it.").foregroundStyle(.secondary)
                }
                ForEach(saved, id: \.message.messageId) { item in
                    VStack(alignment: .leading, spacing: 2) {
                        Text(verbatim: item.message.content.isEmpty ? "(attachment)" : item.message.content)
                            .lineLimit(2)
                        Text(verbatim: roomName(item.message.roomId))
                            .font(.caption)
                            .foregroundStyle(.secondary)
                    }
                    .swipeActions(edge: .trailing) {
                        Button("Remove", role: .destructive) { Task { await remove(item) } }
                    }
                }
            }
            .navigationTitle("Saved")
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
            .task { await load() }
        }
    }

    private func roomName(_ roomId: String) -> String {
        rooms.first { $0.roomId == roomId }?.name ?? "A room"
    }

    private func load() async {
        do {
            saved = try await client.savedMessages(before: nil, limit: 50).saved
            error = nil
        } catch {
            self.error = describe(error)
        }
    }

    private func remove(_ item: SavedItem) async {
        guard let messageId = item.message.messageId else { return }
        do {
            try await client.saveMessage(roomId: item.message.roomId, messageId: messageId, saved: false)
            await load()
        } catch {
            self.error = describe(error)
        }
    }
}
