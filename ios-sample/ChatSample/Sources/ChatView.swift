import ChatKit
import SwiftUI

/// One room: messages newest at the bottom with status ticks on the user's own, who is
/// typing, the offline banner, and the composer. Reaching the oldest message loads more.
struct ChatView: View {
    let user: SignedIn
    @ObservedObject var app: AppModel
    let room: RoomSummary
    @StateObject private var timeline: RoomTimeline
    @State private var draft = ""
    @State private var error: String?
    @State private var editing: LocalMessage?
    @State private var editText = ""
    @State private var reporting: LocalMessage?
    @State private var reportReason = ""
    @State private var blocking: LocalMessage?
    @State private var showingMembers = false
    @State private var confirmingLeave = false
    @Environment(\.dismiss) private var dismiss
    // Loading older messages waits until the list has first scrolled to the bottom: a
    // List starts at the top, where the oldest row would otherwise ask for more at once.
    @State private var scrolledToBottom = false

    init(user: SignedIn, app: AppModel, room: RoomSummary) {
        self.user = user
        self.app = app
        self.room = room
        _timeline = StateObject(wrappedValue: RoomTimeline(client: user.client, roomId: room.roomId))
    }

    var body: some View {
        VStack(spacing: 0) {
            OfflineBanner(state: app.connection)
            ScrollViewReader { scroller in
                List {
                    ForEach(TimelineEntry.merge(timeline.messages, timeline.notices)) { entry in
                        switch entry {
                        case .notice(let notice):
                            NoticeLine(text: describe(notice, names: timeline.memberNames))
                                .listRowSeparator(.hidden)
                        case .message(let message):
                            row(message)
                        }
                    }
                }
                .listStyle(.plain)
                .onChange(of: timeline.messages.last?.clientMsgId) { newest in
                    guard let newest else { return }
                    withAnimation { scroller.scrollTo(newest, anchor: .bottom) }
                    scrolledToBottom = true
                    timeline.markRead()
                }
            }
            if let line = typingLine {
                Text(line)
                    .font(.caption)
                    .foregroundStyle(.secondary)
                    .frame(maxWidth: .infinity, alignment: .leading)
                    .padding(.horizontal, 16)
            }
            composer
        }
        .navigationTitle(room.name.isEmpty ? "Chat" : room.name)
        .navigationBarTitleDisplayMode(.inline)
        .toolbar {
            ToolbarItem(placement: .navigationBarTrailing) {
                Menu {
                    Button("Members") { showingMembers = true }
                    Button("Leave room", role: .destructive) { confirmingLeave = true }
                } label: {
                    Image(systemName: "ellipsis.circle")
                }
                .accessibilityLabel("Room")
            }
        }
        .sheet(isPresented: $showingMembers) {
            RoomInfoView(timeline: timeline, me: user.session.userId) { error = $0 }
        }
        .confirmationDialog("Leave this room?", isPresented: $confirmingLeave) {
            Button("Leave", role: .destructive) { act { try await timeline.leave() } }
        }
        // No longer a member (left here or elsewhere, removed, banned): back to the list.
        .onChange(of: timeline.ended) { ended in
            if ended != nil { dismiss() }
        }
        .alert(
            "Report message",
            isPresented: Binding(get: { reporting != nil }, set: { if !$0 { reporting = nil } }),
            presenting: reporting
        ) { message in
            TextField("Why are you reporting it?", text: $reportReason)
            Button("Report") {
                let reason = reportReason
                reportReason = ""
                act { try await timeline.report(message, reason: reason) }
            }
            Button("Cancel", role: .cancel) {}
        }
        .confirmationDialog(
            "Block this sender? Their messages will be hidden, and they cannot message you directly.",
            isPresented: Binding(get: { blocking != nil }, set: { if !$0 { blocking = nil } }),
            titleVisibility: .visible,
            presenting: blocking
        ) { message in
            Button("Block", role: .destructive) { act { try await timeline.blockSender(message) } }
        }
        .onAppear { timeline.start() }
        .onDisappear { timeline.close() }
        .alert("Something went wrong", isPresented: Binding(get: { error != nil }, set: { if !$0 { error = nil } })) {
            Button("OK", role: .cancel) {}
        } message: {
            Text(error ?? "")
        }
        .alert(
            "Edit message",
            isPresented: Binding(get: { editing != nil }, set: { if !$0 { editing = nil } }),
            presenting: editing
        ) { message in
            TextField("Message", text: $editText)
            Button("Save") { saveEdit(message) }
            Button("Cancel", role: .cancel) {}
        }
    }

    private func row(_ message: LocalMessage) -> some View {
        MessageRow(
            message: message,
            mine: message.senderId == user.session.userId,
            senderName: timeline.memberNames[message.senderId] ?? String(message.senderId.prefix(8)),
            onRetry: { attempt { try timeline.retry(message) } },
            onDiscard: { attempt { try timeline.cancel(message) } },
            onEdit: {
                editText = message.content
                editing = message
            },
            onDelete: { delete(message) },
            onReport: { reporting = message },
            onBlock: { blocking = message })
        .listRowSeparator(.hidden)
        .id(message.clientMsgId)
        .onAppear {
            if scrolledToBottom, message.clientMsgId == timeline.messages.first?.clientMsgId,
               timeline.hasOlder {
                timeline.loadOlder()
            }
        }
    }

    private var composer: some View {
        HStack(alignment: .bottom, spacing: 8) {
            TextField("Message", text: $draft, axis: .vertical)
                .lineLimit(1...5)
                .textFieldStyle(.roundedBorder)
                .onChange(of: draft) { timeline.draftChanged($0) }
            Button {
                // Cleared only once stored: a refused message keeps the user's text.
                attempt {
                    try timeline.send(draft)
                    draft = ""
                }
            } label: {
                Image(systemName: "paperplane.fill")
            }
            .disabled(draft.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
            .accessibilityLabel("Send")
        }
        .padding(8)
    }

    private var typingLine: String? {
        let names = timeline.typingUsers.map { timeline.memberNames[$0] ?? String($0.prefix(8)) }.sorted()
        switch names.count {
        case 0: return nil
        case 1: return "\(names[0]) is typing…"
        case 2: return "\(names[0]) and \(names[1]) are typing…"
        default: return "Several people are typing…"
        }
    }

    /// Edits and deletes need a connection: the SDK refuses them offline.
    private func saveEdit(_ message: LocalMessage) {
        guard let id = message.messageId else { return }
        let text = editText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, text != message.content else { return }
        attempt { try user.client.editMessage(roomId: room.roomId, messageId: id, content: text) }
    }

    private func delete(_ message: LocalMessage) {
        guard let id = message.messageId else { return }
        attempt { try user.client.deleteMessage(roomId: room.roomId, messageId: id) }
    }

    /// Runs a server call; shows what went wrong, if anything.
    private func act(_ action: @escaping () async throws -> Void) {
        Task {
            do {
                try await action()
            } catch {
                self.error = describe(error)
            }
        }
    }

    private func attempt(_ action: () throws -> Void) {
        do {
            try action()
        } catch {
            self.error = describe(error)
        }
    }
}
