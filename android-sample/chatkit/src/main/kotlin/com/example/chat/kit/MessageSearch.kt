// Message search for a search screen: the server's over all the user's rooms, and the
// cache's when offline or when the server cannot answer, so search works anywhere.
package com.example.chat.kit

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_sdk.LocalMessage

/**
 * A page of search results, newest first. [fromDevice]: the cache answered (offline),
 * so they cover only the messages held here and there is no next page. [nextBefore]:
 * pass as `before` for the next page of the server's results.
 */
data class SearchResults(val messages: List<LocalMessage>, val fromDevice: Boolean, val nextBefore: String?)

/**
 * Messages with every word of [query] in the user's rooms (or in [roomId] only). The
 * first page comes from the server, or from the cache when offline or when the server
 * cannot answer; a next page ([before] set) only from the server. Throws
 * [ChatException.Invalid] for a query without words or too long, and for a next page
 * what the server call threw.
 */
suspend fun ChatClient.searchWithFallback(
    query: String,
    roomId: String? = null,
    before: String? = null,
    limit: UInt = 30u,
    io: CoroutineDispatcher = Dispatchers.IO,
): SearchResults {
    if (before != null || !connectionState().isOffline) {
        try {
            val page = searchMessages(query, roomId, before, limit)
            return SearchResults(page.messages, fromDevice = false, nextBefore = page.nextBefore)
        } catch (e: ChatException.Invalid) {
            throw e
        } catch (e: ChatException) {
            // A next page from the cache would repeat the first one.
            if (before != null) throw e
        }
    }
    val held = withContext(io) { searchLocal(query, roomId, limit) }
    return SearchResults(held, fromDevice = true, nextBefore = null)
}
