// Idiomatic Swift over the generated bindings: events as an AsyncStream. The generated
// methods are already `async` where the SDK call is async (register, login, rooms).

import Foundation

public extension ChatClient {
    /// Every event of this client while the stream is iterated; ending the iteration
    /// stops the listener.
    func events() -> AsyncStream<Event> {
        AsyncStream { continuation in
            let handle = self.listen(listener: StreamListener(continuation: continuation))
            continuation.onTermination = { _ in handle.stop() }
        }
    }
}

/// Feeds the SDK's callbacks into an AsyncStream (called from an SDK thread).
private final class StreamListener: ChatListener, @unchecked Sendable {
    private let continuation: AsyncStream<Event>.Continuation

    init(continuation: AsyncStream<Event>.Continuation) {
        self.continuation = continuation
    }

    func onEvent(event: Event) {
        continuation.yield(event)
    }
}
