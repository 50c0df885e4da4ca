// Invite links over the Kotlin bindings: ann makes a one-use link to a private room,
// bob sees the room behind it and joins (the room is in his list at once), the link is
// then used up, and a revoked link no longer opens anything.

import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_protocol.RoomVisibility

suspend fun invites(ann: ChatClient, bob: ChatClient) {
    val room = ann.createRoom("invited", RoomVisibility.PRIVATE, listOf())
    val invite = ann.createInvite(room, 3600uL, 1u)
    val code = invite.code
    check("an invite comes with its code, once", code != null && invite.maxUses == 1u && invite.uses == 0u)
    code ?: return
    val preview = bob.invitePreview(code)
    check("bob sees the room behind the code", preview.name == "invited" && preview.memberCount == 1uL && !preview.member)
    check("bob joins with it", bob.joinWithInvite(code) == room)
    check("the room is in bob's list at once", bob.roomList().any { it.roomId == room })
    check("a used-up invite is no longer listed", ann.invites(room).isEmpty())
    try {
        bob.invitePreview(code)
        check("a used-up invite is refused", false)
    } catch (e: ChatException.Server) {
        check("a used-up invite is refused with not_found", e.code == ErrorCode.NOT_FOUND)
    }
    val another = ann.createInvite(room, null, null)
    ann.revokeInvite(room, another.inviteId)
    try {
        bob.joinWithInvite(another.code ?: "")
        check("a revoked invite is refused", false)
    } catch (e: ChatException.Server) {
        check("a revoked invite is refused with not_found", e.code == ErrorCode.NOT_FOUND)
    }
}
