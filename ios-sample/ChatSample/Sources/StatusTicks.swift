import ChatKit
import SwiftUI

/// Where one of the user's messages stands: a clock while it waits in the outbox, one
/// tick once the server stored it, two when another member's device has it, two in the
/// accent colour once read, and a warning when the server refused it for good.
struct StatusTicks: View {
    let status: MessageStatus

    var body: some View {
        Image(systemName: symbol)
            .font(.caption2)
            .foregroundStyle(tint)
            .accessibilityLabel(label)
    }

    private var symbol: String {
        switch status {
        case .pending: return "clock"
        case .sent: return "checkmark"
        case .delivered: return "checkmark.circle"
        case .read: return "checkmark.circle.fill"
        case .failed: return "exclamationmark.circle"
        }
    }

    private var tint: Color {
        switch status {
        case .read: return .accentColor
        case .failed: return .red
        default: return .secondary
        }
    }

    private var label: String {
        switch status {
        case .pending: return "waiting to send"
        case .sent: return "sent"
        case .delivered: return "delivered"
        case .read: return "read"
        case .failed: return "not sent"
        }
    }
}
