package com.example.chat.sample.ui

import androidx.compose.foundation.layout.size
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.Done
import androidx.compose.material.icons.filled.DoneAll
import androidx.compose.material.icons.filled.ErrorOutline
import androidx.compose.material.icons.filled.Schedule
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import uniffi.chat_sdk.MessageStatus

/**
 * Where one of the user's messages stands: a clock while it waits in the outbox, one
 * tick once the server stored it, two when another member's device has it, two in the
 * accent colour once read, and a warning when the server refused it for good.
 */
@Composable
fun StatusTicks(status: MessageStatus, modifier: Modifier = Modifier) {
    val muted = MaterialTheme.colorScheme.onSurfaceVariant
    val (icon, tint, label) = when (status) {
        is MessageStatus.Pending -> Triple(Icons.Filled.Schedule, muted, "waiting to send")
        is MessageStatus.Sent -> Triple(Icons.Filled.Done, muted, "sent")
        is MessageStatus.Delivered -> Triple(Icons.Filled.DoneAll, muted, "delivered")
        is MessageStatus.Read -> Triple(Icons.Filled.DoneAll, MaterialTheme.colorScheme.primary, "read")
        is MessageStatus.Failed -> Triple(Icons.Filled.ErrorOutline, MaterialTheme.colorScheme.error, "not sent")
    }
    Icon(icon, contentDescription = label, tint = tint, modifier = modifier.size(14.dp))
}
