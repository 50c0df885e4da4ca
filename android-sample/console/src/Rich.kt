// Rich messages over the Kotlin bindings: a reply with a mention, reactions (also on
// the other device), a pin and its refusal for a plain member, a thread, and search on
// the server and in the cache.

import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_sdk.ClientEvent

suspend fun richMessages(ann: ChatClient, bob: ChatClient, room: String, annId: String, bobEvents: Recorder) {
    val question = ann.sendMessage(room, "Kotlin lunch at noon?")
    val stored = bobEvents.await { it is ClientEvent.Message && it.message.clientMsgId == question.clientMsgId }
    val questionId = (stored as? ClientEvent.Message)?.message?.messageId
    check("bob receives the question", questionId != null)
    questionId ?: return

    val answer = bob.sendMessageWith(room, "yes @ann", questionId, listOf(annId))
    check("a reply's echo names its parent and mentions", answer.replyTo == questionId && answer.mentions == listOf(annId))

    ann.react(room, questionId, "👍", true)
    bob.react(room, questionId, "👍", true)
    check("both reactions are counted on bob's device", awaitValue {
        bob.messages(room, null, 50u).firstOrNull { it.messageId == questionId }
            ?.reactions?.singleOrNull()?.let { it.emoji == "👍" && it.count == 2uL && it.mine } == true
    })
    try {
        ann.react(room, questionId, "not an emoji", true)
        check("a bad emoji throws", false)
    } catch (e: ChatException.Invalid) {
        check("a bad emoji throws ChatException.Invalid", e.detail.isNotEmpty())
    }

    ann.pin(room, questionId, true)
    check("bob sees the pin", awaitValue {
        bob.messages(room, null, 50u).firstOrNull { it.messageId == questionId }?.pinned == true
    })
    check("pins lists it", bob.pins(room).any { it.messageId == questionId })
    val refused = bob.pin(room, questionId, false)
    val failure = bobEvents.await { it is ClientEvent.ChangeFailed && it.changeId == refused } as? ClientEvent.ChangeFailed
    check("a member's unpin is refused as forbidden", failure?.code == ErrorCode.FORBIDDEN)

    val thread = ann.replies(room, questionId, 0uL, 10u)
    check("the thread holds the reply", thread.messages.map { it.content } == listOf("yes @ann") && !thread.hasMore)
    val found = bob.searchMessages("kotlin LUNCH", room, null, 10u)
    check("server search finds it", found.messages.map { it.messageId } == listOf(questionId))
    check("cache search finds it offline", ann.searchLocal("lunch", room, 10u).any { it.messageId == questionId })
}
