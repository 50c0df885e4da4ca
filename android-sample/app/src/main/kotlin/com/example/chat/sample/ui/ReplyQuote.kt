package com.example.chat.sample.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.IntrinsicSize
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxHeight
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.width
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.font.FontStyle
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import uniffi.chat_sdk.LocalMessage

/** A message as quoted above a reply, above the composer or in the pinned banner. */
data class Quote(val sender: String?, val text: String)

/** [message] as quoted; "Original message" when it is not among those loaded. */
fun quoteOf(message: LocalMessage?, names: Map<String, String>): Quote =
    if (message == null) {
        Quote(sender = null, text = "Original message")
    } else {
        Quote(sender = names[message.senderId] ?: message.senderId.take(8), text = previewText(message))
    }

/**
 * What a message says in one line: its text (for files without a caption, "Photo" or
 * the file's name), unless it is deleted or its sender blocked.
 */
fun previewText(message: LocalMessage): String = when {
    message.deleted -> "Message deleted"
    message.senderBlocked -> "Message from a blocked user"
    message.content.isEmpty() && message.attachments.isNotEmpty() ->
        message.attachments.singleOrNull()?.let { if (it.isImage) "Photo" else it.name } ?: "${message.attachments.size} files"
    else -> message.content
}

/** The quoted message: a bar, the sender's name, and two lines of its text. */
@Composable
fun ReplyQuote(quote: Quote, modifier: Modifier = Modifier) {
    val colors = MaterialTheme.colorScheme
    Row(modifier.height(IntrinsicSize.Min)) {
        Box(Modifier.width(3.dp).fillMaxHeight().background(colors.primary))
        Column(Modifier.padding(start = 6.dp)) {
            quote.sender?.let { Text(it, style = MaterialTheme.typography.labelSmall, color = colors.primary) }
            Text(
                quote.text,
                style = MaterialTheme.typography.bodySmall,
                color = colors.onSurfaceVariant,
                fontStyle = if (quote.sender == null) FontStyle.Italic else FontStyle.Normal,
                maxLines = 2,
                overflow = TextOverflow.Ellipsis,
            )
        }
    }
}
