// Idiomatic Swift over the generated bindings: events and the connection state as
// AsyncStreams. The generated methods are already `async` where the SDK call is async
// (register, login, rooms, members, findUser).

import Foundation

public extension ChatClient {
    /// Every event of this client while the stream is iterated; ending the iteration
    /// stops the listener. Unbounded buffer: the SDK calls in from its own thread and
    /// must never wait on a slow consumer.
    func events() -> AsyncStream<ClientEvent> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let handle = self.listen(listener: StreamListener { continuation.yield($0) })
            continuation.onTermination = { _ in handle.stop() }
        }
    }

    /// The connection state now, then every change: what an offline banner shows. The
    /// listener is registered before the current state is read, so no change is lost.
    func connectionStates() -> AsyncStream<ConnectionState> {
        AsyncStream(bufferingPolicy: .unbounded) { continuation in
            let handle = self.listen(listener: StreamListener { event in
                if case .connection(let state) = event {
                    continuation.yield(state)
                }
            })
            continuation.yield(self.connectionState())
            continuation.onTermination = { _ in handle.stop() }
        }
    }
}

public extension ConnectionState {
    /// Whether the app should show itself offline (anything but connected).
    var isOffline: Bool {
        if case .connected = self {
            return false
        }
        return true
    }
}

/// Hands the SDK's callbacks (on an SDK thread) to a closure.
private final class StreamListener: ChatListener, @unchecked Sendable {
    private let deliver: (ClientEvent) -> Void

    init(_ deliver: @escaping (ClientEvent) -> Void) {
        self.deliver = deliver
    }

    func onEvent(event: ClientEvent) {
        deliver(event)
    }
}
