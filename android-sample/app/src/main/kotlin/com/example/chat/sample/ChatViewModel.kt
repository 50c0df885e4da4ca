package com.example.chat.sample

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import com.example.chat.kit.RoomTimeline
import com.example.chat.kit.connectionStates
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.Dispatchers
import uniffi.chat_ffi.ChatException
import uniffi.chat_sdk.ConnectionState
import uniffi.chat_protocol.RoomMember
import uniffi.chat_sdk.LocalMessage

/** One room's screen: the timeline from chatkit plus what only the screen needs. */
class ChatViewModel(private val user: SignedIn, val roomId: String) : ViewModel() {
    private val client = user.client
    val timeline = RoomTimeline(client, roomId, viewModelScope)
    val connection: StateFlow<ConnectionState> = client.connectionStates()
        .stateIn(viewModelScope, SharingStarted.WhileSubscribed(5_000), client.connectionState())
    private val _error = MutableStateFlow<String?>(null)

    /** A one-line problem to show (cleared by [dismissError]). */
    val error: StateFlow<String?> = _error.asStateFlow()
    val myUserId: String get() = user.session.userId

    init {
        timeline.start()
    }

    /** Sends [text]; [onQueued] runs once it is stored (clear the field then, not before). */
    fun send(text: String, onQueued: () -> Unit) = guarded {
        timeline.send(text)
        onQueued()
    }

    fun draftChanged(text: String) = guarded { timeline.draftChanged(text) }

    fun markRead() = guarded { timeline.markRead() }

    fun retry(message: LocalMessage) = guarded { timeline.retry(message) }

    fun cancel(message: LocalMessage) = guarded { timeline.cancel(message) }

    /** Edits and deletes need a connection: the SDK refuses them offline. */
    fun edit(message: LocalMessage, text: String) = guarded {
        val id = message.messageId ?: return@guarded
        withContext(Dispatchers.IO) { client.editMessage(roomId, id, text.trim()) }
    }

    fun delete(message: LocalMessage) = guarded {
        val id = message.messageId ?: return@guarded
        withContext(Dispatchers.IO) { client.deleteMessage(roomId, id) }
    }

    /** Reports [message] to the server's admins; says so when it went through. */
    fun report(message: LocalMessage, reason: String) = guarded {
        timeline.report(message, reason)
        _error.value = "Reported. Thank you."
    }

    /** Blocks the sender of [message]: their messages are hidden from now on. */
    fun blockSender(message: LocalMessage) = guarded { timeline.blockSender(message) }

    /** Leaves the room for good ([RoomTimeline.ended] then closes the screen). */
    fun leave() = guarded { timeline.leave() }

    fun remove(member: RoomMember) = guarded { timeline.remove(member) }

    fun ban(member: RoomMember) = guarded { timeline.ban(member) }

    fun dismissError() {
        _error.value = null
    }

    private fun guarded(block: suspend () -> Unit) {
        viewModelScope.launch {
            try {
                block()
            } catch (e: ChatException) {
                _error.value = describe(e)
            }
        }
    }

    override fun onCleared() {
        timeline.close()
    }
}
