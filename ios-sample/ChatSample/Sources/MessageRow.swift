import ChatKit
import SwiftUI

/// One message. The user's own sit on the right with their status ticks; one that
/// mentions the user stands out. A reply shows the message it answers (`quote`) above
/// its text, files (photos as thumbnails, with the upload's progress while the user's
/// own goes up) above the text as their caption, and the reactions sit under the
/// bubble. A tap on a file opens it (`onOpen`). A long press offers quick
/// reactions, "Reply", "Pin"/"Unpin" and "Save" on stored messages, then what fits the status
/// of the user's own (retry or discard a failed one, edit or delete a sent one) and, on
/// other people's, "Report" and "Block sender". A blocked sender's message is collapsed.
/// Content is shown with `Text(verbatim:)`: never interpreted as Markdown.
struct MessageRow: View {
    let message: LocalMessage
    let mine: Bool
    let senderName: String
    let quote: Quote?
    let mentionsMe: Bool
    /// For the pictures of its files.
    let client: ChatClient
    /// The share of its files uploaded (0...1) while it uploads.
    let uploadProgress: Double?
    let onOpen: (MessageAttachment) -> Void
    let onReply: () -> Void
    let onReact: (String) -> Void
    let onToggleReaction: (MessageReaction) -> Void
    let onPin: (Bool) -> Void
    let onSave: () -> Void
    let onRetry: () -> Void
    let onDiscard: () -> Void
    let onEdit: () -> Void
    let onDelete: () -> Void
    let onReport: () -> Void
    let onBlock: () -> Void

    var body: some View {
        HStack {
            if mine { Spacer(minLength: 48) }
            VStack(alignment: mine ? .trailing : .leading, spacing: 3) {
                bubble
                if !message.deleted {
                    ReactionBar(reactions: message.reactions, onToggle: onToggleReaction)
                }
            }
            if !mine { Spacer(minLength: 48) }
        }
    }

    private var bubble: some View {
        VStack(alignment: .leading, spacing: 2) {
            if !mine {
                Text(verbatim: senderName).font(.caption.bold()).foregroundStyle(.tint)
            }
            if let quote, !message.deleted {
                ReplyQuote(quote: quote).padding(.vertical, 2)
            }
            if message.deleted {
                Text("Message deleted").italic().foregroundStyle(.secondary)
            } else if message.senderBlocked {
                Text("Message from a blocked user").italic().foregroundStyle(.secondary)
            } else {
                if !message.attachments.isEmpty {
                    AttachmentList(message: message, client: client, progress: uploadProgress, onOpen: onOpen)
                }
                // A file may be sent without a caption.
                if !message.content.isEmpty {
                    Text(verbatim: message.content)
                }
            }
            HStack(spacing: 4) {
                Text(footer).font(.caption2).foregroundStyle(.secondary)
                if mine {
                    StatusTicks(status: message.status)
                }
            }
            .frame(maxWidth: .infinity, alignment: .trailing)
            if case .failed(_, let reason) = message.status {
                Text(verbatim: "Not sent: \(reason)").font(.caption2).foregroundStyle(.red)
            }
        }
        .padding(.horizontal, 10)
        .padding(.vertical, 6)
        .background(bubbleColor)
        .clipShape(RoundedRectangle(cornerRadius: 12))
        .fixedSize(horizontal: false, vertical: true)
        .contextMenu {
            if !message.deleted && (mine || message.messageId != nil) {
                Menu("React") {
                    ForEach(quickReactions, id: \.self) { emoji in
                        Button(emoji) { onReact(emoji) }
                    }
                }
                if message.messageId != nil {
                    Button { onReply() } label: { Label("Reply", systemImage: "arrowshape.turn.up.left") }
                    Button {
                        onPin(!message.pinned)
                    } label: {
                        Label(message.pinned ? "Unpin" : "Pin", systemImage: message.pinned ? "pin.slash" : "pin")
                    }
                    Button { onSave() } label: { Label("Save", systemImage: "bookmark") }
                }
            }
            if mine && !message.deleted {
                actions
            } else if !mine && message.messageId != nil {
                Button("Report", action: onReport)
                if !message.senderBlocked {
                    Button("Block sender", role: .destructive, action: onBlock)
                }
            }
        }
    }

    private var bubbleColor: Color {
        if mine {
            return Color.accentColor.opacity(0.18)
        }
        return mentionsMe ? Color.orange.opacity(0.22) : Color.secondary.opacity(0.12)
    }

    @ViewBuilder
    private var actions: some View {
        switch message.status {
        case .failed:
            Button("Retry", action: onRetry)
            Button("Discard", role: .destructive, action: onDiscard)
        case .pending:
            Button("Discard", role: .destructive, action: onDiscard)
        default:
            Button("Edit", action: onEdit)
            Button("Delete", role: .destructive, action: onDelete)
        }
    }

    /// "pinned · edited · 12:04": what the line under the text says.
    private var footer: String {
        let time = Date(timeIntervalSince1970: TimeInterval(message.createdAt) / 1000)
            .formatted(date: .omitted, time: .shortened)
        let pinned = message.pinned && !message.deleted ? "pinned · " : ""
        let edited = message.editedAt != nil && !message.deleted ? "edited · " : ""
        return pinned + edited + time
    }
}
