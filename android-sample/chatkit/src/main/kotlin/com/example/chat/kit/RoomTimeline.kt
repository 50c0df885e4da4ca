// One room as a chat screen shows it. Plain Kotlin and coroutines (no Android types),
// so the JVM console test exercises the same state the Android app renders.
package com.example.chat.kit

import kotlinx.coroutines.CoroutineDispatcher
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.Job
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.receiveAsFlow
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Mutex
import kotlinx.coroutines.sync.withLock
import kotlinx.coroutines.withContext
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_protocol.LeaveReason
import uniffi.chat_protocol.RoomMember
import uniffi.chat_sdk.ClientEvent
import uniffi.chat_sdk.LocalMessage
import uniffi.chat_sdk.MessageReaction
import uniffi.chat_sdk.MessageStatus
import uniffi.chat_sdk.NewFile
import uniffi.chat_sdk.NoticeChange
import uniffi.chat_sdk.RoomNotice

/**
 * The messages of one room (the user's pending ones included), its membership and
 * settings notices ("Bob left"), who is typing, the members with their roles and the
 * pinned messages, as [StateFlow]s for a UI to collect, with how far the user's files
 * have uploaded; what the user does to messages (send with a reply and mentions, send
 * a file, react, pin, edit, delete: all queued offline too);
 * and what a member does about others (report, block, remove, ban) or about the room
 * (leave).
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
    private val _members = MutableStateFlow<List<RoomMember>>(emptyList())
    private val _notices = MutableStateFlow<List<RoomNotice>>(emptyList())
    private val _ended = MutableStateFlow<Ended?>(null)
    private val _hasOlder = MutableStateFlow(true)
    private val _pins = MutableStateFlow<List<LocalMessage>>(emptyList())
    private val _uploads = MutableStateFlow<Map<String, Float>>(emptyMap())
    private val failures = Channel<ChangeFailure>(Channel.BUFFERED)
    private val reloads = Channel<Unit>(Channel.CONFLATED)
    private val reading = Mutex()
    private val readingPins = Mutex()
    private val typingExpiry = mutableMapOf<String, Job>()
    private var job: Job? = null
    private var lastMarkedRead = 0uL

    /** The newest messages, oldest first; grows with [loadOlder]. */
    val messages: StateFlow<List<LocalMessage>> = _messages.asStateFlow()

    /** Ids of the members typing now. */
    val typingUsers: StateFlow<Set<String>> = _typing.asStateFlow()

    /** User id to name, for showing who wrote (ids until the member list arrives). */
    val memberNames: StateFlow<Map<String, String>> = _names.asStateFlow()

    /** The members in the order they joined, with their roles. */
    val members: StateFlow<List<RoomMember>> = _members.asStateFlow()

    /** Membership and settings changes among the shown messages, oldest first (by seq). */
    val notices: StateFlow<List<RoomNotice>> = _notices.asStateFlow()

    /** Set once the user is no longer a member (left, removed, banned, room deleted). */
    val ended: StateFlow<Ended?> = _ended.asStateFlow()

    /** Whether the server may hold older messages than those shown. */
    val hasOlder: StateFlow<Boolean> = _hasOlder.asStateFlow()

    /**
     * The room's pinned messages, most recently pinned first: from the cache at once,
     * then from the server; read again whenever a message's `pinned` flag changes.
     */
    val pins: StateFlow<List<LocalMessage>> = _pins.asStateFlow()

    /**
     * How much of each of the user's pending messages with files is uploaded, 0 to 1,
     * by client message id: from the first progress report until the message is sent,
     * fails or is dropped. A message not listed has not started uploading.
     */
    val uploadProgress: StateFlow<Map<String, Float>> = _uploads.asStateFlow()

    /**
     * The changes made on this device (edits, deletes, reactions, pins, perhaps queued
     * offline) that the server refused for good: the cache has undone them already, and
     * [messages] shows that. For one collector (the screen), to tell the user.
     */
    val changeFailures: Flow<ChangeFailure> = failures.receiveAsFlow()

    /** Follows the room and keeps the flows current until [close]. */
    fun start() {
        if (job != null) return
        job = scope.launch {
            // Subscribe before the first read, so nothing falls between the two.
            launch { client.events().collect { onEvent(it) } }
            launch { for (unit in reloads) reload() }
            launch {
                showCachedMembers()
                refreshNames()
            }
            launch {
                reloadPins(fromServer = false)
                reloadPins(fromServer = true)
            }
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
     * Queues [text] to be sent, as a reply to the message with the server id [replyTo]
     * and mentioning the members [mentions] (user ids): stored before this returns,
     * shown at once as pending, delivered once the server can be reached. Throws
     * [ChatException.TooLarge], or [ChatException.Invalid] for too many mentions.
     */
    suspend fun send(text: String, replyTo: String? = null, mentions: List<String> = emptyList()) {
        val content = text.trim()
        if (content.isEmpty()) return
        withContext(io) {
            client.sendMessageWith(roomId, content, replyTo, mentions)
            client.setTyping(roomId, false)
        }
        reload() // the pending echo shows before this returns
    }

    /**
     * Queues a message carrying one file ([bytes], named [name], of the type [mime]) and
     * a [caption]: stored with its file before this returns and shown at once as
     * pending; the file is uploaded when the network allows ([uploadProgress] follows
     * it) and the message sent in order with the room's others. A file the server
     * refuses (too large, not of its declared type) fails the message: [retry] or
     * [cancel] it. It may answer [replyTo] (a message's server id) like a text. Throws
     * [ChatException.TooLarge] for a file over the SDK's limit or too long a caption,
     * [ChatException.Invalid] for an empty [name].
     */
    suspend fun sendAttachment(
        bytes: ByteArray,
        name: String,
        mime: String,
        caption: String? = null,
        replyTo: String? = null,
    ) {
        withContext(io) {
            val file = NewFile(name, mime, bytes)
            client.sendAttachmentsWith(roomId, listOf(file), caption?.trim().orEmpty(), replyTo, emptyList())
            client.setTyping(roomId, false)
        }
        reload()
    }

    /**
     * Sets ([on]) or removes the user's [emoji] reaction to [message], online or
     * offline: shown at once, sent in order. Throws [ChatException.Invalid] when [emoji]
     * is not one emoji (or a `:shortcode:`).
     */
    suspend fun react(message: LocalMessage, emoji: String, on: Boolean) {
        withContext(io) { client.react(roomId, message.changeTarget, emoji, on) }
        reload()
    }

    /** Tapping a reaction chip: adds the user's own, or takes it back. */
    suspend fun toggle(message: LocalMessage, reaction: MessageReaction) = react(message, reaction.emoji, !reaction.mine)

    /**
     * Pins or unpins [message] (owners and admins; either member of a direct room). A
     * refusal comes later, through [changeFailures].
     */
    suspend fun pin(message: LocalMessage, pinned: Boolean) {
        withContext(io) { client.pin(roomId, message.changeTarget, pinned) }
        reload()
    }

    /** Edits one of the user's messages, online or offline (shown at once). */
    suspend fun edit(message: LocalMessage, text: String) {
        val content = text.trim()
        if (content.isEmpty()) return
        withContext(io) { client.editMessage(roomId, message.changeTarget, content) }
        reload()
    }

    /** Deletes a message (the user's own, or any as an owner or admin), online or offline. */
    suspend fun delete(message: LocalMessage) {
        withContext(io) { client.deleteMessage(roomId, message.changeTarget) }
        reload()
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

    /** Reports [message] (and so its sender) to the server's admins. */
    suspend fun report(message: LocalMessage, reason: String) {
        client.report(roomId, message.messageId, null, reason.trim())
    }

    /** Blocks the sender of [message]: their messages read as `senderBlocked` from now on. */
    suspend fun blockSender(message: LocalMessage) = client.blockUser(message.senderId)

    /** Ends the user's membership ([ended] follows). */
    suspend fun leave() = client.endMembership(roomId)

    /** Removes a member (owners and admins). */
    suspend fun remove(member: RoomMember) = client.removeMember(roomId, member.userId)

    /** Bans a member (owners and admins). */
    suspend fun ban(member: RoomMember) = client.banUser(roomId, member.userId, null)

    private fun onEvent(event: ClientEvent) {
        when (event) {
            is ClientEvent.Message -> if (event.message.roomId == roomId) {
                stopTyping(event.message.senderId)
                if (event.message.senderId !in _names.value) scope.launch { refreshNames() }
                pinsTouched(event.message)
                reloads.trySend(Unit)
            }
            is ClientEvent.ChangeFailed -> if (event.roomId == roomId) {
                failures.trySend(ChangeFailure(event.changeId, event.messageId, event.code, event.message))
                scope.launch { reloadPins(fromServer = false) }
                reloads.trySend(Unit)
            }
            is ClientEvent.Status -> if (event.roomId == roomId) {
                // Sent, failed or cancelled (null): its upload is over either way.
                if (event.status !is MessageStatus.Pending) _uploads.update { it - event.clientMsgId }
                reloads.trySend(Unit)
            }
            is ClientEvent.UploadProgress -> if (event.roomId == roomId) {
                val share = uploadedShare(event)
                _uploads.update { it + (event.clientMsgId to share) }
            }
            is ClientEvent.Receipt -> if (event.roomId == roomId) reloads.trySend(Unit)
            is ClientEvent.RoomJoined -> if (event.roomId == roomId) reloads.trySend(Unit)
            is ClientEvent.HistoryLoaded -> if (event.roomId == roomId) {
                _hasOlder.value = event.hasMore
                reloads.trySend(Unit)
            }
            is ClientEvent.Typing -> if (event.roomId == roomId) {
                if (event.isTyping) startTyping(event.userId) else stopTyping(event.userId)
            }
            is ClientEvent.Notice -> if (event.notice.roomId == roomId) {
                if (event.notice.change is NoticeChange.Member) scope.launch { refreshNames() }
                reloads.trySend(Unit)
            }
            is ClientEvent.MembershipEnded -> if (event.roomId == roomId) {
                _ended.value = Ended(event.reason)
            }
            is ClientEvent.BlocksChanged -> reloads.trySend(Unit)
            else -> {}
        }
    }

    // The share of the whole message: its files go up one after another, in order, so
    // those before this one are through. Their sizes come from the pending message as
    // shown; until it is (queued elsewhere than here), the file's own share stands for
    // the message's, and a read of the cache brings the message.
    private fun uploadedShare(event: ClientEvent.UploadProgress): Float {
        val files = _messages.value.find { it.clientMsgId == event.clientMsgId }?.attachments.orEmpty()
        if (files.isEmpty()) reloads.trySend(Unit)
        val before = files.filter { it.position < event.position }.sumOf { it.size }
        val total = if (files.isEmpty()) event.totalBytes else files.sumOf { it.size }
        if (total == 0uL) return 1f
        return ((before + event.sentBytes).toDouble() / total.toDouble()).toFloat().coerceAtMost(1f)
    }

    // Serialised, so that a read started earlier never overwrites a newer one.
    private suspend fun reload() = reading.withLock {
        val limit = window.value.toUInt()
        try {
            val shown = withContext(io) { client.messages(roomId, null, limit) }
            val oldest = shown.firstNotNullOfOrNull { it.seq } ?: 0uL
            _notices.value = withContext(io) { client.notices(roomId, null, limit) }
                .filter { it.seq > oldest }
            _messages.value = shown
        } catch (e: ChatException) {
            // Closed or storage failed: keep showing what was read last.
        }
    }

    // Pinned or unpinned: ask the server for the list. A pinned message edited, deleted
    // or reacted to: its entry is read again from the cache.
    private fun pinsTouched(message: LocalMessage) {
        val listed = _pins.value.any { it.messageId == message.messageId }
        if (message.pinned != listed) {
            scope.launch { reloadPins(fromServer = true) }
        } else if (listed) {
            scope.launch { reloadPins(fromServer = false) }
        }
    }

    // Serialised like reload(): an older read never overwrites a newer one.
    private suspend fun reloadPins(fromServer: Boolean) = readingPins.withLock {
        try {
            _pins.value = if (fromServer) client.pins(roomId) else withContext(io) { client.cachedPins(roomId) }
        } catch (e: ChatException) {
            // Offline or storage failed: the pins stay as last read.
        }
    }

    // The members as last read, at once and offline (mentions complete from them), until
    // the server's list arrives.
    private suspend fun showCachedMembers() {
        try {
            val cached = withContext(io) { client.cachedMembers(roomId) }
            if (_members.value.isEmpty()) {
                _members.value = cached
                _names.update { names -> cached.associate { it.userId to it.displayName } + names }
            }
        } catch (e: ChatException) {
            // Storage failed: the server's list will do.
        }
    }

    private suspend fun refreshNames() {
        try {
            val members = client.members(roomId)
            _members.value = members
            _names.value = _names.value + members.associate { it.userId to it.displayName }
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

/** Why the user is no longer in the room; `reason` is null when only a refused resume told. */
data class Ended(val reason: LeaveReason?)

/**
 * A change to a message (edit, delete, reaction, pin) that the server refused for good:
 * [changeId] is what the call returned, [messageId] the message once stored, [message]
 * the server's explanation.
 */
data class ChangeFailure(val changeId: String, val messageId: String?, val code: ErrorCode, val message: String)

/** What a change names the message by: its server id, or while it is pending, the client's. */
private val LocalMessage.changeTarget: String
    get() = messageId ?: clientMsgId
