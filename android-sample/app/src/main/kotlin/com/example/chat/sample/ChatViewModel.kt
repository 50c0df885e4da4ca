package com.example.chat.sample

import android.content.ContentResolver
import android.net.Uri
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import com.example.chat.kit.ChangeFailure
import com.example.chat.kit.RoomTimeline
import com.example.chat.kit.connectionStates
import java.io.FileNotFoundException
import java.io.IOException
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_protocol.RoomMember
import uniffi.chat_sdk.ConnectionState
import uniffi.chat_sdk.LocalMessage
import uniffi.chat_sdk.MessageAttachment
import uniffi.chat_sdk.MessageReaction
import uniffi.chat_sdk.ThumbnailVariant

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

    /**
     * Sends the file the user picked ([uri], read through [resolver]) with [caption], as
     * a reply to [replyTo] if set;
     * [onQueued] runs once it is stored, as for [send]. Reading happens here, in the
     * model's scope, so that it survives a rotation.
     */
    fun sendAttachment(resolver: ContentResolver, uri: Uri, caption: String, replyTo: String?, onQueued: () -> Unit) = guarded {
        val file = readPickedFile(resolver, uri)
        timeline.sendAttachment(file.bytes, file.name, file.mime, caption, replyTo)
        onQueued()
    }

    /** Makes an invite link to the room (7 days, any number of uses) and hands its code to [share]. */
    fun shareInvite(share: (String) -> Unit) = guarded {
        client.createInvite(roomId, null, null).code?.let(share)
    }

    /** Makes the picked image ([uri], read through [resolver]) the room's picture (owners and admins). */
    fun setRoomPicture(resolver: ContentResolver, uri: Uri) = guarded {
        val file = readPickedFile(resolver, uri)
        client.setRoomAvatar(roomId, file.bytes, file.name, file.mime)
    }

    /**
     * The picture of an image in its bubble: the small thumbnail (cached by the SDK) or,
     * while its message waits in the outbox, the file itself. Null when it cannot be
     * had now (offline and not cached, or uploaded since the message was read).
     */
    suspend fun bubblePicture(message: LocalMessage, attachment: MessageAttachment): ByteArray? = orNull {
        val id = attachment.attachmentId
        if (id == null) {
            withContext(Dispatchers.IO) { client.pendingFile(message.clientMsgId, attachment.position) }
        } else {
            client.thumbnail(id, ThumbnailVariant.SMALL)
        }
    }

    /** The viewer's first picture of an image: the medium thumbnail, cached by the SDK. */
    suspend fun viewerPicture(attachmentId: String): ByteArray? = orNull {
        client.thumbnail(attachmentId, ThumbnailVariant.MEDIUM)
    }

    /** The whole file (downloaded each time): the viewer's full-size picture. */
    suspend fun originalPicture(attachmentId: String): ByteArray? = orNull { client.downloadAttachment(attachmentId) }

    /** Downloads the file [attachmentId] into the document the user created at [target]. */
    fun saveAttachment(resolver: ContentResolver, attachmentId: String, target: Uri) = guarded {
        val bytes = client.downloadAttachment(attachmentId)
        withContext(Dispatchers.IO) {
            resolver.openOutputStream(target)?.use { it.write(bytes) } ?: throw FileNotFoundException(target.toString())
        }
        _error.value = "Saved."
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

    /** Saves [message] among the user's saved messages (every device of theirs hears of it). */
    fun save(message: LocalMessage) = guarded {
        client.saveMessage(roomId, message.messageId ?: return@guarded, true)
        _error.value = "Saved."
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
            } catch (e: IOException) {
                // Reading a picked file or writing a saved one: the provider failed.
                _error.value = when (e) {
                    is FileTooLarge -> "That file is too large to send."
                    else -> "The file could not be read or written."
                }
            }
        }
    }

    // A picture that cannot be had now stays a placeholder: nothing to tell the user.
    private suspend fun orNull(load: suspend () -> ByteArray?): ByteArray? = try {
        load()
    } catch (e: ChatException) {
        null
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
