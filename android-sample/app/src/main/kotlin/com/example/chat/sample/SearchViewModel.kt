package com.example.chat.sample

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import com.example.chat.kit.searchWithFallback
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import uniffi.chat_ffi.ChatException
import uniffi.chat_sdk.LocalMessage

/** What the search screen shows. */
data class SearchState(
    /** The query the results are for; null before the first search. */
    val query: String? = null,
    val results: List<LocalMessage> = emptyList(),
    /** Room id to name, for the results. */
    val roomNames: Map<String, String> = emptyMap(),
    /** The results come from this device only (offline, or the server could not answer). */
    val fromDevice: Boolean = false,
    /** Where the server's next page starts; null on the last one. */
    val nextBefore: String? = null,
    val loading: Boolean = false,
    val error: String? = null,
)

/**
 * Message search over all the user's rooms: the server's, or offline (or when the
 * server cannot answer) the messages this device holds.
 */
class SearchViewModel(user: SignedIn) : ViewModel() {
    private val client = user.client
    private val _state = MutableStateFlow(SearchState())
    val state: StateFlow<SearchState> = _state.asStateFlow()
    private var searching: Job? = null

    /** Searches for messages with every word of [query]. */
    fun search(query: String) {
        val words = query.trim()
        if (words.isEmpty()) return
        searching?.cancel()
        _state.update { it.copy(loading = true, error = null) }
        searching = viewModelScope.launch {
            try {
                val page = client.searchWithFallback(words)
                _state.value = SearchState(
                    query = words,
                    results = page.messages,
                    roomNames = roomNames(),
                    fromDevice = page.fromDevice,
                    nextBefore = page.nextBefore,
                )
            } catch (e: ChatException) {
                _state.update { it.copy(loading = false, error = searchError(e)) }
            }
        }
    }

    /** The server's next page of results for the same query. */
    fun loadMore() {
        val current = _state.value
        val query = current.query ?: return
        val before = current.nextBefore ?: return
        if (current.loading) return
        _state.update { it.copy(loading = true, error = null) }
        searching = viewModelScope.launch {
            try {
                val page = client.searchWithFallback(query, before = before)
                _state.update {
                    it.copy(results = it.results + page.messages, nextBefore = page.nextBefore, loading = false)
                }
            } catch (e: ChatException) {
                _state.update { it.copy(loading = false, error = searchError(e)) }
            }
        }
    }

    // From the cached room list: instant, and offline too.
    private suspend fun roomNames(): Map<String, String> = try {
        withContext(Dispatchers.IO) { client.roomList() }.associate { it.roomId to it.name }
    } catch (e: ChatException) {
        emptyMap()
    }

    private fun searchError(e: ChatException): String =
        if (e is ChatException.Invalid) "Search for a few words (letters or digits)." else describe(e)
}
