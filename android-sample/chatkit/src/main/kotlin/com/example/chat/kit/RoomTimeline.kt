// One room as a chat screen shows it. Plain Kotlin and coroutines (no Android types),
// so the JVM console test exercises the same state the Android app renders.
package com.example.chat.kit

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_sdk.ClientEvent
import uniffi.chat_sdk.LocalMessage

/**
 * The messages of one room (the user's pending ones included), who is typing, and the
 * names of the members, as [StateFlow]s for a UI to collect.
 *
 * The SDK's cache is the source of truth: whenever an event touches this room, the
 * visible window is read again from it. The list therefore shows exactly what the SDK
 * stored — in seq order, each message once — after any reconnect, crash or restart.
 * Re-reads are conflated, so a burst of events costs one read.
 *
 * Call [start] once (it follows the room), [close] when the screen goes away.
 */
class RoomTimeline(
    private val client: ChatClient,
    val roomId: String,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
    private val pageSize: Int = 50,
    /** A typing indicator nobody refreshed for this long is dropped (the server's TTL). */
    private val typingTimeoutMillis: Long = 6_000,
) {
    private val window = MutableStateFlow(pageSize)
    private val _messages = MutableStateFlow<List<LocalMessage>>(emptyList())
    private val _typing = MutableStateFlow<Set<String>>(emptySet())
    private val _names = MutableStateFlow<Map<String, String>>(emptyMap())
    private val _hasOlder = MutableStateFlow(true)
    private val reloads = Channel<Unit>(Channel.CONFLATED)
    private val reading = Mutex()
    private val typingExpiry = mutableMapOf<String, Job>()
    private var job: Job? = null
    private var lastMarkedRead = 0uL

    /** The newest messages, oldest first; grows with [loadOlder]. */
    val messages: StateFlow<List<LocalMessage>> = _messages.asStateFlow()

    /** Ids of the members typing now. */
    val typingUsers: StateFlow<Set<String>> = _typing.asStateFlow()

    /** User id to name, for showing who wrote (ids until the member list arrives). */
    val memberNames: StateFlow<Map<String, String>> = _names.asStateFlow()

    /** Whether the server may hold older messages than those shown. */
    val hasOlder: StateFlow<Boolean> = _hasOlder.asStateFlow()

    /** Follows the room and keeps the flows current until [close]. */
    fun start() {
        if (job != null) return
        job = scope.launch {
            // Subscribe before the first read, so nothing falls between the two.
            launch { client.events().collect { onEvent(it) } }
            launch { for (unit in reloads) reload() }
            launch { refreshNames() }
            try {
                withContext(io) { client.joinRoom(roomId) }
            } catch (e: ChatException) {
                // Closed or storage failed: the list stays as the cache last showed it.
            }
            reloads.trySend(Unit)
        }
    }

    /** Stops updating (the SDK keeps following the room, so it stays in sync). */
    fun close() {
        job?.cancel()
        job = null
    }

    /**
     * Queues [text] to be sent: stored before this returns, shown at once as pending,
     * delivered once the server can be reached. Throws [ChatException.TooLarge].
     */
    suspend fun send(text: String) {
        val content = text.trim()
        if (content.isEmpty()) return
        withContext(io) {
            client.sendMessage(roomId, content)
            client.setTyping(roomId, false)
        }
        reload() // the pending echo shows before this returns
    }

    /** Call on every change of the draft: the SDK throttles what goes out. */
    suspend fun draftChanged(draft: String) {
        withContext(io) { client.setTyping(roomId, draft.isNotBlank()) }
    }

    /** The user sees the newest messages: mark them read (once per new message). */
    suspend fun markRead() {
        val newest = _messages.value.mapNotNull { it.seq }.maxOrNull() ?: return
        if (newest <= lastMarkedRead) return
        lastMarkedRead = newest
        withContext(io) { client.markRead(roomId, newest) }
    }

    /** Shows [pageSize] more older messages (fetched from the server when missing). */
    fun loadOlder() {
        window.update { it + pageSize }
        reloads.trySend(Unit)
    }

    /** Sends a failed message again. */
    suspend fun retry(message: LocalMessage) = withContext(io) { client.retry(message.clientMsgId) }

    /** Drops a pending or failed message. */
    suspend fun cancel(message: LocalMessage) = withContext(io) { client.cancel(message.clientMsgId) }

    private fun onEvent(event: ClientEvent) {
        when (event) {
            is ClientEvent.Message -> if (event.message.roomId == roomId) {
                stopTyping(event.message.senderId)
                if (event.message.senderId !in _names.value) scope.launch { refreshNames() }
                reloads.trySend(Unit)
            }
            is ClientEvent.Status -> if (event.roomId == roomId) reloads.trySend(Unit)
            is ClientEvent.Receipt -> if (event.roomId == roomId) reloads.trySend(Unit)
            is ClientEvent.RoomJoined -> if (event.roomId == roomId) reloads.trySend(Unit)
            is ClientEvent.HistoryLoaded -> if (event.roomId == roomId) {
                _hasOlder.value = event.hasMore
                reloads.trySend(Unit)
            }
            is ClientEvent.Typing -> if (event.roomId == roomId) {
                if (event.isTyping) startTyping(event.userId) else stopTyping(event.userId)
            }
            else -> {}
        }
    }

    // Serialised, so that a read started earlier never overwrites a newer one.
    private suspend fun reload() = reading.withLock {
        val limit = window.value.toUInt()
        try {
            _messages.value = withContext(io) { client.messages(roomId, null, limit) }
        } catch (e: ChatException) {
            // Closed or storage failed: keep showing what was read last.
        }
    }

    private suspend fun refreshNames() {
        try {
            _names.value = client.members(roomId).associate { it.userId to it.displayName }
        } catch (e: ChatException) {
            // Offline or not allowed: names stay as they are; ids are shown meanwhile.
        }
    }

    // Events and expiry timers run on different threads: the map is guarded.
    private fun startTyping(userId: String) = synchronized(typingExpiry) {
        _typing.update { it + userId }
        typingExpiry.remove(userId)?.cancel()
        typingExpiry[userId] = scope.launch {
            delay(typingTimeoutMillis)
            synchronized(typingExpiry) {
                typingExpiry.remove(userId)
                _typing.update { it - userId }
            }
        }
    }

    private fun stopTyping(userId: String) = synchronized(typingExpiry) {
        typingExpiry.remove(userId)?.cancel()
        _typing.update { it - userId }
    }
}
