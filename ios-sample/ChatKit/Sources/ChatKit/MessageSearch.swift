// Message search for a search screen: the server's over all the user's rooms, and the
// cache's when offline or when the server cannot answer, so search works anywhere. The
// same as MessageSearch.kt in android-sample/chatkit.

import Foundation

/// A page of search results, newest first. `fromDevice`: the cache answered (offline),
/// so they cover only the messages held here and there is no next page. `nextBefore`:
/// pass as `before` for the next page of the server's results.
public struct SearchResults: Equatable {
    public let messages: [LocalMessage]
    public let fromDevice: Bool
    public let nextBefore: String?
}

public extension ChatClient {
    /// Messages with every word of `query` in the user's rooms (or in `roomId` only).
    /// The first page comes from the server, or from the cache when offline or when
    /// the server cannot answer; a next page (`before` set) only from the server. Throws
    /// `ChatError.Invalid` for a query without words or too long, and for a next page
    /// what the server call threw.
    func searchWithFallback(
        query: String, roomId: String? = nil, before: String? = nil, limit: UInt32 = 30
    ) async throws -> SearchResults {
        if before != nil || !connectionState().isOffline {
            do {
                let page = try await searchMessages(query: query, roomId: roomId, before: before, limit: limit)
                return SearchResults(messages: page.messages, fromDevice: false, nextBefore: page.nextBefore)
            } catch let error as ChatError {
                // The cache would refuse the query too; and a next page from it would
                // repeat the first one.
                if case .Invalid = error {
                    throw error
                }
                if before != nil {
                    throw error
                }
            }
        }
        let held = try searchLocal(query: query, roomId: roomId, limit: limit)
        return SearchResults(messages: held, fromDevice: true, nextBefore: nil)
    }
}
