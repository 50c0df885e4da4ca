package com.example.chat.sample

import android.content.ContentResolver
import android.net.Uri
import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import com.example.chat.kit.RoomList
import com.example.chat.kit.connectionStates
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.asStateFlow
import kotlinx.coroutines.flow.stateIn
import kotlinx.coroutines.flow.update
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.BlockedUser
import uniffi.chat_protocol.RoomPlacement
import uniffi.chat_protocol.RoomSummary
import uniffi.chat_protocol.RoomVisibility
import uniffi.chat_protocol.SignIn
import uniffi.chat_protocol.UserProfile
import uniffi.chat_sdk.ConnectionState
import uniffi.chat_sdk.SavedItem

/** The user's rooms (favorites first), those they archived, and the public ones they could join. */
data class RoomsState(
    val mine: List<RoomSummary> = emptyList(),
    val archived: List<RoomSummary> = emptyList(),
    val joinable: List<RoomSummary> = emptyList(),
    val loading: Boolean = false,
    val error: String? = null,
)

/**
 * The home screen: the user's rooms from the SDK's live list (instant from the cache,
 * offline too, badges moving as messages and reads come in), and the public rooms,
 * read from the server on refresh.
 */
class RoomListViewModel(private val user: SignedIn) : ViewModel() {
    private val client = user.client
    private val list = RoomList(client, viewModelScope)
    private val _state = MutableStateFlow(RoomsState())
    val state: StateFlow<RoomsState> = _state.asStateFlow()
    val connection: StateFlow<ConnectionState> = client.connectionStates()
        .stateIn(viewModelScope, SharingStarted.WhileSubscribed(5_000), client.connectionState())

    init {
        list.start()
        viewModelScope.launch {
            list.rooms.collect { all ->
                val mineIds = all.map { it.roomId }.toSet()
                _state.update {
                    it.copy(
                        mine = all.filter { room -> room.placement != RoomPlacement.ARCHIVED },
                        archived = all.filter { room -> room.placement == RoomPlacement.ARCHIVED },
                        joinable = it.joinable.filter { room -> room.roomId !in mineIds },
                    )
                }
            }
        }
        refresh()
    }

    fun refresh() {
        _state.update { it.copy(loading = true, error = null) }
        viewModelScope.launch {
            list.refresh()
            try {
                val mineIds = (_state.value.mine + _state.value.archived).map { it.roomId }.toSet()
                val joinable = client.publicRooms().filter { it.roomId !in mineIds }
                _state.update { it.copy(joinable = joinable, loading = false) }
            } catch (e: ChatException) {
                _state.update { it.copy(loading = false, error = describe(e)) }
            }
        }
    }

    /** Opens (or creates) the direct room with the user called [username]. */
    fun startDirect(username: String, onOpen: (String, String) -> Unit) = act {
        val other = client.findUser(username.trim())
        val roomId = client.createRoom(other.username, RoomVisibility.DIRECT, listOf(other.userId))
        onOpen(roomId, other.username)
    }

    /** Joins the room behind an invite code someone shared, and opens it. */
    fun joinWithInvite(code: String, onOpen: (String, String) -> Unit) = act {
        val room = client.invitePreview(code.trim())
        val roomId = client.joinWithInvite(code.trim())
        onOpen(roomId, room.name)
    }

    /** Creates a public room anyone can join. */
    fun createPublic(name: String, onOpen: (String, String) -> Unit) = act {
        val roomId = client.createRoom(name.trim(), RoomVisibility.PUBLIC, emptyList())
        onOpen(roomId, name.trim())
    }

    /**
     * Makes a room a favorite or archives it, or (`null`) puts it back among the others, on
     * every device of the user; the list moves when the server's summary comes back.
     */
    fun place(room: RoomSummary, placement: RoomPlacement?) = act { list.place(room.roomId, placement) }

    /**
     * Marks a room unread (`true`), or reads it all from the list (`false`: the badge and
     * the mark go), on every device of the user.
     */
    fun markUnread(room: RoomSummary, unread: Boolean) = act {
        if (unread) list.markUnread(room.roomId) else list.markRead(room)
    }

    /** Joins a public room and opens it. */
    fun join(room: RoomSummary, onOpen: (String, String) -> Unit) = act {
        client.addMember(room.roomId, user.session.userId)
        onOpen(room.roomId, room.name)
    }

    private val _blocked = MutableStateFlow<List<BlockedUser>>(emptyList())

    /** The users this user blocked (read by [loadBlocked]). */
    val blocked: StateFlow<List<BlockedUser>> = _blocked.asStateFlow()

    /** Reads the blocked users from the server. */
    fun loadBlocked() = act { _blocked.value = client.blockedUsers() }

    /** Lifts a block; their messages show again. */
    fun unblock(user: BlockedUser) = act {
        client.unblockUser(user.userId)
        _blocked.value = client.blockedUsers()
    }

    private val _signIns = MutableStateFlow<List<SignIn>>(emptyList())

    /** Where the user is signed in, this phone marked `current` (read by [loadSignIns]). */
    val signIns: StateFlow<List<SignIn>> = _signIns.asStateFlow()

    /** Reads the user's sign-ins from the server. */
    fun loadSignIns() = act { _signIns.value = client.signIns() }

    /** Signs another device out: it has to sign in again, and gets no more notifications. */
    fun endSignIn(signIn: SignIn) = act {
        client.endSignIn(signIn.id)
        _signIns.value = client.signIns()
    }

    /** Signs every other device out. */
    fun endOtherSignIns() = act {
        client.endOtherSignIns()
        _signIns.value = client.signIns()
    }

    private val _saved = MutableStateFlow<List<SavedItem>>(emptyList())

    /** The user's saved messages, most recently saved first (read by [loadSaved]). */
    val saved: StateFlow<List<SavedItem>> = _saved.asStateFlow()

    /** Reads the user's saved messages from the server (the first page). */
    fun loadSaved() = act { _saved.value = client.savedMessages(null, 50u).saved }

    /** Takes a message out of the user's saved messages, on every device. */
    fun unsave(item: SavedItem) = act {
        client.saveMessage(item.message.roomId, item.message.messageId ?: return@act, false)
        _saved.value = client.savedMessages(null, 50u).saved
    }

    private val _profile = MutableStateFlow<UserProfile?>(null)

    /** The user's own name and picture (read by [loadProfile], moved on by each change). */
    val profile: StateFlow<UserProfile?> = _profile.asStateFlow()

    /** Reads the user's profile from the server. */
    fun loadProfile() = act { _profile.value = client.myProfile() }

    /** Sets the name others see; throws the server's refusal. */
    suspend fun rename(name: String) {
        _profile.value = client.setDisplayName(name)
    }

    /** Uploads a picture and makes it the user's; throws the server's refusal. */
    suspend fun setPicture(bytes: ByteArray, name: String, mime: String) {
        _profile.value = client.setAvatar(bytes, name, mime)
    }

    /** Removes the user's picture. */
    suspend fun removePicture() {
        _profile.value = client.removeAvatar()
    }

    /**
     * Saves the user's data export (the server's JSON document: profile, rooms, blocks,
     * devices, sign-ins, reports filed, reactions and every message they sent) to [uri], a file the user picked.
     */
    fun saveExport(resolver: ContentResolver, uri: Uri) = act {
        val bytes = client.exportMyData()
        val saved = withContext(Dispatchers.IO) {
            runCatching { resolver.openOutputStream(uri)?.use { it.write(bytes) } != null }.getOrDefault(false)
        }
        if (!saved) _state.update { it.copy(error = "Could not write the file") }
    }

    /** Changes the password (the new session is stored like every renewal); throws the server's refusal. */
    suspend fun changePassword(currentPassword: String, newPassword: String) {
        client.changePassword(currentPassword, newPassword)
    }

    private fun act(block: suspend () -> Unit) {
        viewModelScope.launch {
            try {
                block()
                refresh()
            } catch (e: ChatException) {
                _state.value = _state.value.copy(error = describe(e))
            }
        }
    }
}
