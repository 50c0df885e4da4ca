import ChatKit
import SwiftUI

/// A strip under the navigation bar while the client is not connected. Sending still
/// works then: messages wait in the outbox (shown with a clock) and go out on reconnect.
struct OfflineBanner: View {
    let state: ConnectionState

    var body: some View {
        if state.isOffline {
            Text(text)
                .font(.footnote)
                .frame(maxWidth: .infinity, alignment: .leading)
                .padding(.horizontal, 16)
                .padding(.vertical, 6)
                .background(Color.orange.opacity(0.25))
                .transition(.move(edge: .top).combined(with: .opacity))
        }
    }

    private var text: String {
        switch state {
        case .connected:
            return ""
        case .connecting:
            return "Connecting…"
        case .reconnecting(_, let delayMs, _):
            return "Offline. Messages you send will go out when the connection is back "
                + "(next try in \((delayMs + 999) / 1000) s)."
        case .disconnected:
            return "Offline."
        case .needsToken:
            return "Your session has expired: sign out and in again."
        }
    }
}
