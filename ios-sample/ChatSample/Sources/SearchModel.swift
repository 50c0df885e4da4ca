import ChatKit
import Foundation

/// Message search over all the user's rooms: the server's, or offline (or when the
/// server cannot answer) the messages this device holds.
@MainActor
final class SearchModel: ObservableObject {
    /// The query the results are for; nil before the first search.
    @Published private(set) var query: String?
    @Published private(set) var results: [LocalMessage] = []
    /// The results come from this device only (offline, or the server could not answer).
    @Published private(set) var fromDevice = false
    /// Where the server's next page starts; nil on the last one.
    @Published private(set) var nextBefore: String?
    @Published private(set) var loading = false
    @Published private(set) var error: String?

    private let client: ChatClient
    private var searching: Task<Void, Never>?

    init(client: ChatClient) {
        self.client = client
    }

    /// Searches for messages with every word of `text`.
    func search(_ text: String) {
        let words = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !words.isEmpty else { return }
        searching?.cancel()
        loading = true
        error = nil
        let client = self.client
        searching = Task {
            do {
                let page = try await client.searchWithFallback(query: words)
                guard !Task.isCancelled else { return }
                self.query = words
                self.results = page.messages
                self.fromDevice = page.fromDevice
                self.nextBefore = page.nextBefore
            } catch {
                guard !Task.isCancelled else { return }
                self.error = Self.describeSearch(error)
            }
            self.loading = false
        }
    }

    /// The server's next page of results for the same query.
    func loadMore() {
        guard let query, let before = nextBefore, !loading else { return }
        loading = true
        error = nil
        let client = self.client
        searching = Task {
            do {
                let page = try await client.searchWithFallback(query: query, before: before)
                guard !Task.isCancelled else { return }
                self.results += page.messages
                self.nextBefore = page.nextBefore
            } catch {
                guard !Task.isCancelled else { return }
                self.error = Self.describeSearch(error)
            }
            self.loading = false
        }
    }

    private static func describeSearch(_ error: Error) -> String {
        if let chat = error as? ChatError, case .Invalid = chat {
            return "Search for a few words (letters or digits)."
        }
        return describe(error)
    }
}
