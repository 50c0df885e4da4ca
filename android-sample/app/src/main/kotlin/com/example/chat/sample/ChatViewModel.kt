package com.example.chat.sample

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import com.example.chat.kit.ChangeFailure
import com.example.chat.kit.RoomTimeline
import com.example.chat.kit.connectionStates
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_protocol.RoomMember
import uniffi.chat_sdk.ConnectionState
import uniffi.chat_sdk.LocalMessage
import uniffi.chat_sdk.MessageReaction

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
        // A change the server refused (perhaps made offline): it is undone on screen.
        viewModelScope.launch {
            timeline.changeFailures.collect { _error.value = describe(it) }
        }
    }

    /**
     * Sends [text], as a reply to [replyTo] (a message's server id) and mentioning
     * [mentions] (user ids); [onQueued] runs once it is stored (clear the field then,
     * not before).
     */
    fun send(text: String, replyTo: String?, mentions: List<String>, onQueued: () -> Unit) = guarded {
        timeline.send(text, replyTo, mentions)
        onQueued()
    }

    fun draftChanged(text: String) = guarded { timeline.draftChanged(text) }

    fun markRead() = guarded { timeline.markRead() }

    fun retry(message: LocalMessage) = guarded { timeline.retry(message) }

    fun cancel(message: LocalMessage) = guarded { timeline.cancel(message) }

    // Edits, deletes, reactions and pins show at once and are queued when offline; a
    // refusal by the server arrives later, through the timeline's changeFailures.

    fun edit(message: LocalMessage, text: String) = guarded { timeline.edit(message, text) }

    fun delete(message: LocalMessage) = guarded { timeline.delete(message) }

    /** A quick pick of the message menu: adds the user's [emoji], or takes it back. */
    fun react(message: LocalMessage, emoji: String) = guarded {
        val mine = message.reactions.any { it.emoji == emoji && it.mine }
        timeline.react(message, emoji, !mine)
    }

    /** A reaction chip tapped: adds the user's own, or takes it back. */
    fun toggle(message: LocalMessage, reaction: MessageReaction) = guarded { timeline.toggle(message, reaction) }

    fun pin(message: LocalMessage, pinned: Boolean) = guarded { timeline.pin(message, pinned) }

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

private fun describe(failure: ChangeFailure): String = when (failure.code) {
    ErrorCode.FORBIDDEN -> "You are not allowed to do that in this room."
    ErrorCode.NOT_FOUND -> "That message no longer exists."
    else -> "Not done: ${failure.message}"
}
