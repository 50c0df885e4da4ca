import Foundation
import Network

/// Calls `onAvailable` whenever a usable network path appears, so the SDK reconnects at
/// once instead of waiting out its backoff.
final class NetworkMonitor {
    private let monitor = NWPathMonitor()

    init(onAvailable: @escaping @Sendable () -> Void) {
        monitor.pathUpdateHandler = { path in
            if path.status == .satisfied {
                onAvailable()
            }
        }
        monitor.start(queue: DispatchQueue(label: "chat.network-monitor"))
    }

    deinit {
        monitor.cancel()
    }
}
