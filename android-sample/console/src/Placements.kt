// Placements over the Kotlin bindings, through the Android app's RoomList: a room made a
// favorite comes first, an archived one leaves the home screen for the archived list,
// and null puts it back; a room ann is not in is refused.

import com.example.chat.kit.RoomList
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_protocol.RoomPlacement
import uniffi.chat_protocol.RoomVisibility

suspend fun placements(ann: ChatClient, list: RoomList, room: String) {
    val other = ann.createRoom("set aside", RoomVisibility.PRIVATE, listOf())
    check("a new room comes first", awaitValue { list.rooms.value.firstOrNull()?.roomId == other })
    list.place(room, RoomPlacement.FAVORITE)
    check("a favorite comes before newer rooms", awaitValue {
        list.rooms.value.first().let { it.roomId == room && it.placement == RoomPlacement.FAVORITE }
    })
    list.place(other, RoomPlacement.ARCHIVED)
    check("an archived room leaves the home screen for the archived list", awaitValue {
        list.shown().none { it.roomId == other } && list.archived().map { it.roomId } == listOf(other)
    })
    list.place(other, null)
    list.place(room, null)
    check("null puts both back in the main list", awaitValue {
        list.rooms.value.none { it.placement != null } && list.rooms.value.first().roomId == other
    })
    try {
        list.place("no-such-room", RoomPlacement.FAVORITE)
        check("placing an unknown room is refused", false)
    } catch (e: ChatException.Server) {
        check("placing an unknown room is refused with not_found", e.code == ErrorCode.NOT_FOUND)
    }
}
