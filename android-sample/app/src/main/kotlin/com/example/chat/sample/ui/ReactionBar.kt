package com.example.chat.sample.ui

import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.ExperimentalLayoutApi
import androidx.compose.foundation.layout.FlowRow
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material3.ExperimentalMaterial3Api
import androidx.compose.material3.FilterChip
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.unit.dp
import uniffi.chat_sdk.MessageReaction

/** The emoji a message's menu offers with one tap. */
val QuickReactions = listOf("👍", "❤️", "😂", "🎉", "😮", "😢")

/**
 * The reactions under a message: one chip per emoji with its count, selected when the
 * user is among those who reacted. A tap adds the user's own, or takes it back.
 */
@OptIn(ExperimentalLayoutApi::class, ExperimentalMaterial3Api::class)
@Composable
fun ReactionBar(reactions: List<MessageReaction>, onToggle: (MessageReaction) -> Unit, modifier: Modifier = Modifier) {
    if (reactions.isEmpty()) return
    FlowRow(modifier = modifier, horizontalArrangement = Arrangement.spacedBy(4.dp)) {
        for (reaction in reactions) {
            FilterChip(
                selected = reaction.mine,
                onClick = { onToggle(reaction) },
                label = { Text("${reaction.emoji} ${reaction.count}") },
            )
        }
    }
}

/** The quick picks, a row at the top of a message's menu. */
@Composable
fun QuickReactionRow(onPick: (String) -> Unit) {
    Row(Modifier.padding(horizontal = 8.dp)) {
        for (emoji in QuickReactions) {
            Text(
                emoji,
                style = MaterialTheme.typography.titleLarge,
                modifier = Modifier
                    .clip(CircleShape)
                    .clickable(onClickLabel = "React with $emoji") { onPick(emoji) }
                    .padding(8.dp),
            )
        }
    }
}
