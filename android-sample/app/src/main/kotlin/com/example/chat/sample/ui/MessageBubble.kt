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
import uniffi.chat_sdk.MessageStatus

/**
 * One message. The user's own sit on the right with their status ticks; a long press
 * offers what fits the status (retry or discard a failed one, edit or delete a sent one)
 * and, on other people's, "Report" and "Block sender". A blocked sender's message is
 * collapsed. Content is plain text: Compose never interprets it as markup.
 */
@OptIn(ExperimentalFoundationApi::class)
@Composable
fun MessageBubble(
    message: LocalMessage,
    mine: Boolean,
    senderName: String,
    onRetry: () -> Unit,
    onCancel: () -> Unit,
    onEdit: () -> Unit,
    onDelete: () -> Unit,
    onReport: () -> Unit,
    onBlock: () -> Unit,
) {
    var menu by remember { mutableStateOf(false) }
    val colors = MaterialTheme.colorScheme
    Row(
        modifier = Modifier.fillMaxWidth().padding(horizontal = 8.dp, vertical = 2.dp),
        horizontalArrangement = if (mine) Arrangement.End else Arrangement.Start,
    ) {
        Box {
            Surface(
                color = if (mine) colors.primaryContainer else colors.surfaceVariant,
                shape = RoundedCornerShape(12.dp),
                modifier = Modifier
                    .widthIn(max = 300.dp)
                    .combinedClickable(onClick = {}, onLongClick = { menu = !message.deleted && (mine || message.messageId != null) }),
            ) {
                Column(Modifier.padding(horizontal = 10.dp, vertical = 6.dp)) {
                    if (!mine) {
                        Text(senderName, style = MaterialTheme.typography.labelMedium, color = colors.primary)
                    }
                    if (message.deleted) {
                        Text("Message deleted", fontStyle = FontStyle.Italic, color = colors.onSurfaceVariant)
                    } else if (message.senderBlocked) {
                        Text("Message from a blocked user", fontStyle = FontStyle.Italic, color = colors.onSurfaceVariant)
                    } else {
                        Text(message.content)
                    }
                    Row(
                        modifier = Modifier.align(Alignment.End),
                        verticalAlignment = Alignment.CenterVertically,
                        horizontalArrangement = Arrangement.spacedBy(4.dp),
                    ) {
                        val time = DateFormat.getTimeInstance(DateFormat.SHORT).format(Date(message.createdAt))
                        val edited = if (message.editedAt != null && !message.deleted) "edited · " else ""
                        Text(edited + time, style = MaterialTheme.typography.labelSmall, color = colors.onSurfaceVariant)
                        if (mine) StatusTicks(message.status)
                    }
                    val failed = message.status as? MessageStatus.Failed
                    if (failed != null) {
                        Text("Not sent: ${failed.message}", style = MaterialTheme.typography.labelSmall, color = colors.error)
                    }
                }
            }
            DropdownMenu(expanded = menu, onDismissRequest = { menu = false }) {
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
    }
}
