package com.example.chat.sample.ui

import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.filled.PushPin
import androidx.compose.material3.Icon
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.dp
import uniffi.chat_sdk.LocalMessage

/**
 * A strip at the top of a chat with the newest pinned message ([pins] are most recently
 * pinned first) and how many more there are; a tap shows it in the timeline.
 */
@Composable
fun PinnedBanner(
    pins: List<LocalMessage>,
    names: Map<String, String>,
    onClick: (LocalMessage) -> Unit,
    modifier: Modifier = Modifier,
) {
    val newest = pins.firstOrNull() ?: return
    val quote = quoteOf(newest, names)
    val colors = MaterialTheme.colorScheme
    Row(
        modifier = modifier
            .fillMaxWidth()
            .background(colors.secondaryContainer)
            .clickable(onClickLabel = "Show the pinned message") { onClick(newest) }
            .padding(horizontal = 16.dp, vertical = 6.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Icon(Icons.Filled.PushPin, contentDescription = "Pinned", tint = colors.onSecondaryContainer, modifier = Modifier.size(16.dp))
        Text(
            "${quote.sender}: ${quote.text}",
            style = MaterialTheme.typography.bodySmall,
            color = colors.onSecondaryContainer,
            maxLines = 1,
            overflow = TextOverflow.Ellipsis,
            modifier = Modifier.weight(1f).padding(start = 8.dp),
        )
        if (pins.size > 1) {
            Text("+${pins.size - 1}", style = MaterialTheme.typography.labelSmall, color = colors.onSecondaryContainer)
        }
    }
}
