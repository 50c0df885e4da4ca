import ChatKit
import SwiftUI

/// A message as quoted above a reply, above the composer or in the pinned banner.
struct Quote: Equatable {
    let sender: String?
    let text: String

    /// `message` as quoted; "Original message" when it is not among those loaded.
    init(_ message: LocalMessage?, names: [String: String]) {
        guard let message else {
            sender = nil
            text = "Original message"
            return
        }
        sender = names[message.senderId] ?? String(message.senderId.prefix(8))
        text = previewText(message)
    }
}

/// What a message says in one line: its text, unless it is deleted or its sender
/// blocked; a file sent without a caption by the file ("Photo", or its name).
func previewText(_ message: LocalMessage) -> String {
    if message.deleted {
        return "Message deleted"
    }
    if message.senderBlocked {
        return "Message from a blocked user"
    }
    if message.content.isEmpty, let file = message.attachments.first {
        return file.isImage ? "Photo" : file.name
    }
    return message.content
}

/// The quoted message: a bar, the sender's name, and two lines of its text.
struct ReplyQuote: View {
    let quote: Quote

    var body: some View {
        VStack(alignment: .leading, spacing: 1) {
            if let sender = quote.sender {
                Text(verbatim: sender).font(.caption2.bold()).foregroundStyle(.tint)
            }
            Text(verbatim: quote.text)
                .font(.caption)
                .italic(quote.sender == nil)
                .foregroundStyle(.secondary)
                .lineLimit(2)
        }
        .padding(.leading, 9)
        .overlay(alignment: .leading) {
            Rectangle().fill(Color.accentColor).frame(width: 3)
        }
    }
}
