// Marking a room unread over the Kotlin bindings, through the Android app's RoomList: a
// room read to the end and marked shows as unread with no badge, "mark as read" from the
// list takes the mark away (and reads the room), and a room ann is not in is refused.

import com.example.chat.kit.RoomList
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.ErrorCode

suspend fun unreadMarks(bob: ChatClient, list: RoomList, room: String) {
    fun entry() = list.rooms.value.first { it.roomId == room }
    list.markRead(entry())
    check("mark as read from the list clears the badge", awaitValue { entry().unreadCount == 0uL })
    check("a room read to the end is not unread", !list.isUnread(entry()))
    list.markUnread(room)
    check("a room marked unread shows as unread without a badge", awaitValue {
        entry().let { it.markedUnread && it.unreadCount == 0uL && list.isUnread(it) }
    })
    bob.sendMessage(room, "while marked")
    check("a message leaves the mark and raises the badge", awaitValue {
        entry().let { it.markedUnread && it.unreadCount == 1uL }
    })
    list.markRead(entry())
    check("mark as read takes the mark and the badge away", awaitValue {
        entry().let { !it.markedUnread && it.unreadCount == 0uL && !list.isUnread(it) }
    })
    try {
        list.markUnread("no-such-room")
        check("marking an unknown room is refused", false)
    } catch (e: ChatException.Server) {
        check("marking an unknown room is refused with not_found", e.code == ErrorCode.NOT_FOUND)
    }
}
