// The user's rooms as a home screen shows them. Plain Kotlin and coroutines (no Android
// types), so the JVM console test exercises the same state the Android app renders.
package com.example.chat.kit

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.RoomPlacement
import uniffi.chat_protocol.RoomSummary
import uniffi.chat_sdk.ClientEvent

/**
 * Every room of the user, favorites first, then the others, each part most recent
 * activity first, each with its last message, unread badge, placement and unread mark,
 * as a [StateFlow] for a UI to collect.
 *
 * The SDK's cache is the source of truth: the list renders at once from it (offline
 * and after a restart too), and is read again whenever the SDK reports a change
 * (`RoomListChanged`: a message in any room, a read on another device, a room the user
 * was added to, the catch-up after a reconnect). Re-reads are conflated, so a burst of
 * changes costs one read.
 *
 * Call [start] once, [close] when the screen goes away.
 */
class RoomList(
    private val client: ChatClient,
    private val scope: CoroutineScope,
    private val io: CoroutineDispatcher = Dispatchers.IO,
) {
    private val _rooms = MutableStateFlow<List<RoomSummary>>(emptyList())
    private val reloads = Channel<Unit>(Channel.CONFLATED)
    private val reading = Mutex()
    private var job: Job? = null

    /** Every room: favorites first, then the others, each part most recent activity first. */
    val rooms: StateFlow<List<RoomSummary>> = _rooms.asStateFlow()

    /** The home screen's rooms: [rooms] without the archived ones. */
    fun shown(): List<RoomSummary> = _rooms.value.filter { it.placement != RoomPlacement.ARCHIVED }

    /** The rooms the user archived, most recent activity first (a screen of their own). */
    fun archived(): List<RoomSummary> = _rooms.value.filter { it.placement == RoomPlacement.ARCHIVED }

    /** Keeps [rooms] current until [close]. */
    fun start() {
        if (job != null) return
        job = scope.launch {
            // Subscribe before the first read, so nothing falls between the two.
            launch {
                client.events().collect { if (it is ClientEvent.RoomListChanged) reloads.trySend(Unit) }
            }
            launch { for (unit in reloads) reload() }
            reloads.trySend(Unit)
        }
    }

    /** Stops updating. */
    fun close() {
        job?.cancel()
        job = null
    }

    /** Whether to show the room as unread: messages to read, or the user marked it so. */
    fun isUnread(room: RoomSummary): Boolean = room.unreadCount > 0u || room.markedUnread

    /** Unread messages over the rooms that are not muted: the app icon's badge. */
    fun totalUnread(): ULong = _rooms.value.filter { !it.muted }.sumOf { it.unreadCount }

    /**
     * Makes a room a favorite, archives it, or (`null`) puts it back in the main list, on
     * every device of the user; [rooms] follows when the server's summary comes back.
     */
    suspend fun place(roomId: String, placement: RoomPlacement?) {
        withContext(io) { client.setRoomPlacement(roomId, placement) }
    }

    /**
     * Marks a room unread ("mark as unread"), on every device of the user: [isUnread]
     * holds for it until the user reads it; [rooms] follows when the server's summary
     * comes back.
     */
    suspend fun markUnread(roomId: String) {
        withContext(io) { client.markRoomUnread(roomId, true) }
    }

    /**
     * Reads the whole room from the list ("mark as read"): the badge and any mark as
     * unread go, on every device of the user.
     */
    suspend fun markRead(room: RoomSummary) {
        withContext(io) {
            // A read receipt takes the mark away with the badge; a room without a message
            // to read has only the mark to take away.
            if (room.lastSeq > 0u) client.markRead(room.roomId, room.lastSeq) else client.markRoomUnread(room.roomId, false)
        }
        reload()
    }

    /** Reads the list from the server now (pull to refresh); the SDK also does it on every connect. */
    suspend fun refresh() {
        try {
            withContext(io) { client.refreshRoomList() }
        } catch (e: ChatException) {
            // Offline: the cached list stays.
        }
        reload()
    }

    // Serialised, so that a read started earlier never overwrites a newer one.
    private suspend fun reload() = reading.withLock {
        try {
            _rooms.value = withContext(io) { client.roomList() }
        } catch (e: ChatException) {
            // Closed or storage failed: keep showing what was read last.
        }
    }
}
