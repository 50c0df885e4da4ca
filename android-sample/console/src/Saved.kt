// Saved messages over the Kotlin bindings: ann saves one of bob's messages, hears of it
// (SavedChanged), lists it with when she saved it, and takes it out again; a message of
// no room of hers is refused.

import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_sdk.ClientEvent

suspend fun savedMessages(ann: ChatClient, room: String, bobId: String, annEvents: Recorder) {
    val message = ann.messages(room, null, 50u).lastOrNull { it.senderId == bobId && it.messageId != null }
    check("ann holds a message of bob's to save", message != null)
    val id = message!!.messageId!!
    ann.saveMessage(room, id, true)
    check("saving is heard as SavedChanged", annEvents.await {
        it is ClientEvent.SavedChanged && it.messageId == id && it.saved
    } != null)
    val page = ann.savedMessages(null, 20u)
    check("the saved list holds it, with when it was saved",
        page.saved.size == 1 && page.saved[0].message.messageId == id && page.saved[0].savedAt > 0L && page.nextBefore == null)
    ann.saveMessage(room, id, false)
    check("taken out, the list is empty", ann.savedMessages(null, 20u).saved.isEmpty())
    try {
        ann.saveMessage(room, "no-such-message", true)
        check("saving an unknown message is refused", false)
    } catch (e: ChatException.Server) {
        check("saving an unknown message is refused with not_found", e.code == ErrorCode.NOT_FOUND)
    }
}
