import ChatKit
import SwiftUI

/// One message. The user's own sit on the right with their status ticks; a long press
/// offers what fits the status (retry or discard a failed one, edit or delete a sent
/// one) and, on other people's, "Report" and "Block sender". A blocked sender's message
/// is collapsed. Content is shown with `Text(verbatim:)`: never interpreted as Markdown.
struct MessageRow: View {
    let message: LocalMessage
    let mine: Bool
    let senderName: String
    let onRetry: () -> Void
    let onDiscard: () -> Void
    let onEdit: () -> Void
    let onDelete: () -> Void
    let onReport: () -> Void
    let onBlock: () -> Void

    var body: some View {
        HStack {
            if mine { Spacer(minLength: 48) }
            VStack(alignment: .leading, spacing: 2) {
                if !mine {
                    Text(verbatim: senderName).font(.caption.bold()).foregroundStyle(.tint)
                }
                if message.deleted {
                    Text("Message deleted").italic().foregroundStyle(.secondary)
                } else if message.senderBlocked {
                    Text("Message from a blocked user").italic().foregroundStyle(.secondary)
                } else {
                    Text(verbatim: message.content)
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
            .background(mine ? Color.accentColor.opacity(0.18) : Color.secondary.opacity(0.12))
            .clipShape(RoundedRectangle(cornerRadius: 12))
            .fixedSize(horizontal: false, vertical: true)
            .contextMenu {
                if mine && !message.deleted {
                    actions
                } else if !mine && message.messageId != nil {
                    Button("Report", action: onReport)
                    if !message.senderBlocked {
                        Button("Block sender", role: .destructive, action: onBlock)
                    }
                }
            }
            if !mine { Spacer(minLength: 48) }
        }
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

    private var footer: String {
        let time = Date(timeIntervalSince1970: TimeInterval(message.createdAt) / 1000)
            .formatted(date: .omitted, time: .shortened)
        return message.editedAt != nil && !message.deleted ? "edited · \(time)" : time
    }
}
