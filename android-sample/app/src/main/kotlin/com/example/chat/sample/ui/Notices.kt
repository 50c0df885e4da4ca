package com.example.chat.sample.ui

import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.style.TextAlign
import androidx.compose.ui.unit.dp
import uniffi.chat_protocol.MemberRole
import uniffi.chat_protocol.MembershipChange
import uniffi.chat_protocol.WhoCanAdd
import uniffi.chat_sdk.LocalMessage
import uniffi.chat_sdk.NoticeChange
import uniffi.chat_sdk.RoomNotice

/** One line of a room's timeline: a message, or a membership or settings notice. */
sealed class TimelineEntry {
    abstract val key: String

    data class Message(val message: LocalMessage) : TimelineEntry() {
        override val key get() = message.clientMsgId
    }

    data class Notice(val notice: RoomNotice) : TimelineEntry() {
        override val key get() = "notice-${notice.seq}"
    }
}

/** Messages and notices merged by seq, oldest first (pending messages, with no seq, last). */
fun timelineEntries(messages: List<LocalMessage>, notices: List<RoomNotice>): List<TimelineEntry> {
    val entries = mutableListOf<TimelineEntry>()
    var next = 0
    for (message in messages) {
        val seq = message.seq ?: ULong.MAX_VALUE
        while (next < notices.size && notices[next].seq < seq) entries += TimelineEntry.Notice(notices[next++])
        entries += TimelineEntry.Message(message)
    }
    while (next < notices.size) entries += TimelineEntry.Notice(notices[next++])
    return entries
}

/** What a notice says: "ann made bob an admin", "bob left". */
fun describeNotice(notice: RoomNotice, names: Map<String, String>): String {
    fun name(id: String) = names[id] ?: id.take(8)
    val by = name(notice.by)
    return when (val change = notice.change) {
        is NoticeChange.Settings -> listOfNotNull(
            change.name?.let { "renamed the room to $it" },
            change.topic?.let { if (it.isEmpty()) "removed the topic" else "set the topic to $it" },
            change.whoCanAdd?.let { if (it == WhoCanAdd.ADMINS) "let only admins add members" else "let every member add members" },
            change.avatarId?.let { if (it.isEmpty()) "removed the room's picture" else "changed the room's picture" },
        ).joinToString(", ", prefix = "$by ")
        is NoticeChange.Member -> {
            val who = name(change.userId)
            when (change.change) {
                MembershipChange.JOINED -> if (change.userId == notice.by) "$who joined" else "$by added $who"
                MembershipChange.LEFT -> "$who left"
                MembershipChange.KICKED -> "$by removed $who"
                MembershipChange.BANNED -> "$by banned $who"
                MembershipChange.UNBANNED -> "$by lifted the ban on $who"
                MembershipChange.ROLE -> when (change.role) {
                    MemberRole.OWNER -> "$who now owns the room"
                    MemberRole.ADMIN -> "$by made $who an admin"
                    else -> "$by made $who a member"
                }
            }
        }
    }
}

@Composable
fun NoticeLine(text: String) {
    Text(
        text,
        style = MaterialTheme.typography.labelSmall,
        color = MaterialTheme.colorScheme.onSurfaceVariant,
        textAlign = TextAlign.Center,
        modifier = Modifier.fillMaxWidth().padding(vertical = 4.dp),
    )
}
