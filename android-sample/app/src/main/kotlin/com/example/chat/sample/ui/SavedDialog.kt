package com.example.chat.sample.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.ListItem
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.style.TextOverflow
import java.text.DateFormat
import java.util.Date
import uniffi.chat_sdk.SavedItem

/**
 * "Saved": the messages the user saved (a message's long-press menu), most recently saved
 * first, the same on every device. A tap opens the message's room; "Remove" takes it out.
 */
@Composable
fun SavedDialog(
    saved: List<SavedItem>,
    roomName: (String) -> String,
    onOpen: (SavedItem) -> Unit,
    onRemove: (SavedItem) -> Unit,
    onDismiss: () -> Unit,
) {
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text("Saved") },
        text = {
            if (saved.isEmpty()) {
                Text("Nothing saved. Long-press a message to save it.")
            } else {
                LazyColumn {
                    items(saved, key = { it.message.messageId ?: it.message.clientMsgId }) { item ->
                        val savedWhen = DateFormat.getDateTimeInstance().format(Date(item.savedAt))
                        ListItem(
                            headlineContent = {
                                Text(item.message.content.ifEmpty { "(attachment)" }, maxLines = 2, overflow = TextOverflow.Ellipsis)
                            },
                            supportingContent = { Text("${roomName(item.message.roomId)} · saved $savedWhen") },
                            trailingContent = { TextButton(onClick = { onRemove(item) }) { Text("Remove") } },
                            modifier = Modifier.clickable { onOpen(item) },
                        )
                    }
                }
            }
        },
        confirmButton = { TextButton(onClick = onDismiss) { Text("Close") } },
    )
}
