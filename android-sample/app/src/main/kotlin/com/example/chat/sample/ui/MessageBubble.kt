package com.example.chat.sample.ui

import androidx.compose.foundation.ExperimentalFoundationApi
import androidx.compose.foundation.combinedClickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.widthIn
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.font.FontStyle
import androidx.compose.ui.unit.dp
import java.text.DateFormat
import java.util.Date
import uniffi.chat_sdk.LocalMessage
import uniffi.chat_sdk.MessageAttachment
import uniffi.chat_sdk.MessageReaction
import uniffi.chat_sdk.MessageStatus

/**
 * One message. The user's own sit on the right with their status ticks; one that
 * mentions the user stands out. A reply shows the message it answers ([quote]) above
 * its files and text, and the reactions sit under the bubble. Files show as pictures
 * or as rows to save ([MessageAttachments]), with a bar for [uploadProgress] while the
 * message is pending. A long press offers quick reactions, "Reply", "Pin"/"Unpin" and
 * "Save" on stored messages, then what fits the status of the user's own (retry or discard a
 * failed one, edit or delete a sent one) and, on other people's, "Report" and "Block
 * sender". A blocked sender's message is collapsed. Content and file names are plain
 * text: Compose never interprets them as markup.
 */
@OptIn(ExperimentalFoundationApi::class)
@Composable
fun MessageBubble(
    message: LocalMessage,
    mine: Boolean,
    senderName: String,
    quote: Quote?,
    mentionsMe: Boolean,
    uploadProgress: Float?,
    loadPicture: suspend (MessageAttachment) -> ByteArray?,
    onOpenImage: (MessageAttachment) -> Unit,
    onSaveFile: (MessageAttachment) -> Unit,
    onReply: () -> Unit,
    onReact: (String) -> Unit,
    onToggleReaction: (MessageReaction) -> Unit,
    onPin: (Boolean) -> Unit,
    onSave: () -> Unit,
    onRetry: () -> Unit,
    onCancel: () -> Unit,
    onEdit: () -> Unit,
    onDelete: () -> Unit,
    onReport: () -> Unit,
    onBlock: () -> Unit,
) {
    var menu by remember { mutableStateOf(false) }
    val colors = MaterialTheme.colorScheme
    val stored = message.messageId != null
    val openMenu = { menu = !message.deleted && (mine || stored) }
    val background = when {
        mine -> colors.primaryContainer
        mentionsMe -> colors.tertiaryContainer
        else -> colors.surfaceVariant
    }
    Row(
        modifier = Modifier.fillMaxWidth().padding(horizontal = 8.dp, vertical = 2.dp),
        horizontalArrangement = if (mine) Arrangement.End else Arrangement.Start,
    ) {
        Column(horizontalAlignment = if (mine) Alignment.End else Alignment.Start) {
            Box {
                Surface(
                    color = background,
                    shape = RoundedCornerShape(12.dp),
                    modifier = Modifier
                        .widthIn(max = 300.dp)
                        .combinedClickable(onClick = {}, onLongClick = openMenu),
                ) {
                    Column(Modifier.padding(horizontal = 10.dp, vertical = 6.dp)) {
                        if (!mine) {
                            Text(senderName, style = MaterialTheme.typography.labelMedium, color = colors.primary)
                        }
                        if (quote != null && !message.deleted) {
                            ReplyQuote(quote, Modifier.padding(vertical = 4.dp))
                        }
                        if (message.deleted) {
                            Text("Message deleted", fontStyle = FontStyle.Italic, color = colors.onSurfaceVariant)
                        } else if (message.senderBlocked) {
                            Text("Message from a blocked user", fontStyle = FontStyle.Italic, color = colors.onSurfaceVariant)
                        } else {
                            if (message.attachments.isNotEmpty()) {
                                MessageAttachments(
                                    message.attachments,
                                    uploadProgress = if (message.status is MessageStatus.Pending) uploadProgress ?: 0f else null,
                                    loadPicture = loadPicture,
                                    onOpenImage = onOpenImage,
                                    onSaveFile = onSaveFile,
                                    onLongClick = openMenu,
                                )
                            }
                            // A file may come without a caption.
                            if (message.content.isNotEmpty()) Text(message.content)
                        }
                        Row(
                            modifier = Modifier.align(Alignment.End),
                            verticalAlignment = Alignment.CenterVertically,
                            horizontalArrangement = Arrangement.spacedBy(4.dp),
                        ) {
                            Text(footer(message), style = MaterialTheme.typography.labelSmall, color = colors.onSurfaceVariant)
                            if (mine) StatusTicks(message.status)
                        }
                        val failed = message.status as? MessageStatus.Failed
                        if (failed != null) {
                            Text("Not sent: ${failed.message}", style = MaterialTheme.typography.labelSmall, color = colors.error)
                        }
                    }
                }
                DropdownMenu(expanded = menu, onDismissRequest = { menu = false }) {
                    QuickReactionRow(onPick = { menu = false; onReact(it) })
                    HorizontalDivider()
                    if (stored) {
                        DropdownMenuItem(text = { Text("Reply") }, onClick = { menu = false; onReply() })
                        DropdownMenuItem(
                            text = { Text(if (message.pinned) "Unpin" else "Pin") },
                            onClick = { menu = false; onPin(!message.pinned) },
                        )
                        DropdownMenuItem(text = { Text("Save") }, onClick = { menu = false; onSave() })
                    }
                    if (!mine) {
                        DropdownMenuItem(text = { Text("Report") }, onClick = { menu = false; onReport() })
                        if (!message.senderBlocked) {
                            DropdownMenuItem(text = { Text("Block sender") }, onClick = { menu = false; onBlock() })
                        }
                        return@DropdownMenu
                    }
                    when (message.status) {
                        is MessageStatus.Failed, is MessageStatus.Pending -> {
                            if (message.status is MessageStatus.Failed) {
                                DropdownMenuItem(text = { Text("Retry") }, onClick = { menu = false; onRetry() })
                            }
                            DropdownMenuItem(text = { Text("Discard") }, onClick = { menu = false; onCancel() })
                        }
                        else -> {
                            DropdownMenuItem(text = { Text("Edit") }, onClick = { menu = false; onEdit() })
                            DropdownMenuItem(text = { Text("Delete") }, onClick = { menu = false; onDelete() })
                        }
                    }
                }
            }
            if (!message.deleted) {
                ReactionBar(message.reactions, onToggle = onToggleReaction, modifier = Modifier.widthIn(max = 300.dp))
            }
        }
    }
}

/** "pinned · edited · 12:04": what the line under the text says. */
private fun footer(message: LocalMessage): String {
    val time = DateFormat.getTimeInstance(DateFormat.SHORT).format(Date(message.createdAt))
    val pinned = if (message.pinned && !message.deleted) "pinned · " else ""
    val edited = if (message.editedAt != null && !message.deleted) "edited · " else ""
    return pinned + edited + time
}
