import ChatKit
import SwiftUI

/// A strip at the top of a chat with the newest pinned message (`pins` are most
/// recently pinned first) and how many more there are; a tap shows it in the timeline.
struct PinnedBanner: View {
    let pins: [LocalMessage]
    let names: [String: String]
    let onTap: (LocalMessage) -> Void

    var body: some View {
        if let newest = pins.first {
            Button {
                onTap(newest)
            } label: {
                HStack(spacing: 8) {
                    Image(systemName: "pin.fill").font(.caption)
                    Text(verbatim: line(newest)).font(.footnote).lineLimit(1)
                    Spacer(minLength: 0)
                    if pins.count > 1 {
                        Text(verbatim: "+\(pins.count - 1)").font(.caption2).foregroundStyle(.secondary)
                    }
                }
                .padding(.horizontal, 16)
                .padding(.vertical, 6)
                .frame(maxWidth: .infinity, alignment: .leading)
                .background(Color.yellow.opacity(0.2))
                .contentShape(Rectangle())
            }
            .buttonStyle(.plain)
            .accessibilityLabel(Text(verbatim: "Pinned: \(line(newest))"))
            .accessibilityHint("Shows the pinned message")
        }
    }

    private func line(_ message: LocalMessage) -> String {
        let quote = Quote(message, names: names)
        return "\(quote.sender ?? ""): \(quote.text)"
    }
}
