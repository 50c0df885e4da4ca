import ChatKit
import SwiftUI

/// Message search over all the user's rooms. Each result shows its room and text; a tap
/// opens the room. Offline, the results come from the messages this device holds.
struct SearchView: View {
    /// The user's rooms: the results' names, and what a tap opens.
    let rooms: [RoomSummary]
    let onOpen: (RoomSummary) -> Void
    @StateObject private var model: SearchModel
    @State private var text = ""
    @Environment(\.dismiss) private var dismiss

    init(client: ChatClient, rooms: [RoomSummary], onOpen: @escaping (RoomSummary) -> Void) {
        self.rooms = rooms
        self.onOpen = onOpen
        _model = StateObject(wrappedValue: SearchModel(client: client))
    }

    var body: some View {
        NavigationStack {
            List {
                if let error = model.error {
                    Text(error).foregroundStyle(.red)
                }
                if model.fromDevice {
                    Text("Offline: results from this device only.").font(.footnote).foregroundStyle(.secondary)
                }
                if model.query != nil && model.results.isEmpty && !model.loading {
                    Text("No messages found.").foregroundStyle(.secondary)
                }
                ForEach(model.results, id: \.self) { message in
                    Button {
                        if let target = room(of: message) { onOpen(target) }
                    } label: {
                        ResultRow(message: message, roomName: room(of: message)?.name ?? "")
                    }
                    .buttonStyle(.plain)
                }
                if model.nextBefore != nil {
                    Button("More results") { model.loadMore() }
                        .disabled(model.loading)
                }
            }
            .listStyle(.plain)
            .overlay {
                if model.loading && model.results.isEmpty {
                    ProgressView()
                }
            }
            .searchable(text: $text, placement: .navigationBarDrawer(displayMode: .always), prompt: "Search messages")
            .onSubmit(of: .search) { model.search(text) }
            .navigationTitle("Search")
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .confirmationAction) {
                    Button("Done") { dismiss() }
                }
            }
        }
    }

    private func room(of message: LocalMessage) -> RoomSummary? {
        rooms.first { $0.roomId == message.roomId }
    }
}

/// One result: the room's name and the date, then the message's text.
private struct ResultRow: View {
    let message: LocalMessage
    let roomName: String

    var body: some View {
        VStack(alignment: .leading, spacing: 2) {
            HStack {
                Text(verbatim: roomName.isEmpty ? "(no name)" : roomName).font(.subheadline.bold())
                Spacer()
                Text(Date(timeIntervalSince1970: TimeInterval(message.createdAt) / 1000), style: .date)
                    .font(.caption2)
                    .foregroundStyle(.secondary)
            }
            Text(verbatim: previewText(message)).font(.callout).lineLimit(2)
        }
        .contentShape(Rectangle())
    }
}
