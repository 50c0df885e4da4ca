package com.example.chat.sample.ui

import android.net.Uri
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.clickable
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.Send
import androidx.compose.material.icons.filled.AttachFile
import androidx.compose.material.icons.filled.Close
import androidx.compose.material3.DropdownMenu
import androidx.compose.material3.DropdownMenuItem
import androidx.compose.material3.HorizontalDivider
import androidx.compose.material3.Icon
import androidx.compose.material3.IconButton
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.saveable.rememberSaveable
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.text.TextRange
import androidx.compose.ui.text.input.TextFieldValue
import androidx.compose.ui.unit.dp
import com.example.chat.kit.completeMention
import com.example.chat.kit.mentionAt
import com.example.chat.kit.mentionCandidates
import com.example.chat.kit.mentionedIds
import uniffi.chat_protocol.RoomMember

/**
 * The message field, its attach button (a photo from the photo picker, or any file)
 * and its send button. Above them: the message being replied to, with a button to
 * cancel the reply, and while an "@" word is typed at the caret, the members it may
 * name. Picking one completes "@username " and remembers the member; a send passes,
 * as its mentions, the picked members whose "@username" is still in the text.
 * [onSend] gets the text and those user ids, and a callback to run once the message
 * is stored: the field is cleared then, so a refused message keeps its text.
 * [onAttach] gets a picked file with the field's text as its caption, and the same
 * callback. A file carries no reply or mentions (the SDK sends it with a caption
 * only), so the reply stays above the field for the next message.
 */
@Composable
fun Composer(
    replyingTo: Quote?,
    members: List<RoomMember>,
    me: String,
    onCancelReply: () -> Unit,
    onDraftChanged: (String) -> Unit,
    onSend: (text: String, mentions: List<String>, onQueued: () -> Unit) -> Unit,
    onAttach: (file: Uri, caption: String, onQueued: () -> Unit) -> Unit,
) {
    var draft by rememberSaveable(stateSaver = TextFieldValue.Saver) { mutableStateOf(TextFieldValue()) }
    // Username to user id, for each member picked from the suggestions.
    var picked by rememberSaveable { mutableStateOf(emptyMap<String, String>()) }
    val query = if (draft.selection.collapsed) mentionAt(draft.text, draft.selection.end) else null
    val candidates = remember(query, members, me) {
        query?.let { mentionCandidates(members, it.prefix, me) }.orEmpty()
    }
    var attachMenu by remember { mutableStateOf(false) }
    // Nothing picked (the picker was closed): nothing to send.
    val attach = { file: Uri? ->
        if (file != null) {
            val caption = draft.text
            onAttach(file, caption) {
                if (draft.text == caption) {
                    draft = TextFieldValue()
                    picked = emptyMap()
                }
            }
        }
    }
    val pickPhoto = rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia(), attach)
    val pickFile = rememberLauncherForActivityResult(ActivityResultContracts.GetContent(), attach)

    Column {
        if (replyingTo != null) {
            HorizontalDivider()
            Row(Modifier.padding(start = 16.dp, top = 4.dp), verticalAlignment = Alignment.CenterVertically) {
                Column(Modifier.weight(1f)) {
                    Text("Replying to", style = MaterialTheme.typography.labelSmall, color = MaterialTheme.colorScheme.onSurfaceVariant)
                    ReplyQuote(replyingTo)
                }
                IconButton(onClick = onCancelReply) { Icon(Icons.Filled.Close, "Cancel reply") }
            }
        }
        if (query != null && candidates.isNotEmpty()) {
            MentionSuggestions(candidates) { member ->
                val completed = completeMention(draft.text, query, member.username)
                picked = picked + (member.username to member.userId)
                draft = TextFieldValue(completed.text, TextRange(completed.caret))
            }
        }
        Row(Modifier.padding(8.dp), verticalAlignment = Alignment.CenterVertically) {
            Box {
                IconButton(onClick = { attachMenu = true }) { Icon(Icons.Filled.AttachFile, "Attach") }
                DropdownMenu(expanded = attachMenu, onDismissRequest = { attachMenu = false }) {
                    DropdownMenuItem(
                        text = { Text("Photo") },
                        onClick = {
                            attachMenu = false
                            pickPhoto.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly))
                        },
                    )
                    DropdownMenuItem(
                        text = { Text("File") },
                        onClick = {
                            attachMenu = false
                            pickFile.launch("*/*")
                        },
                    )
                }
            }
            OutlinedTextField(
                value = draft,
                onValueChange = {
                    val changed = it.text != draft.text
                    draft = it
                    if (changed) onDraftChanged(it.text)
                },
                placeholder = { Text("Message") },
                maxLines = 5,
                modifier = Modifier.weight(1f),
            )
            IconButton(
                onClick = {
                    val text = draft.text
                    onSend(text, mentionedIds(text, picked)) {
                        if (draft.text == text) {
                            draft = TextFieldValue()
                            picked = emptyMap()
                        }
                    }
                },
                enabled = draft.text.isNotBlank(),
            ) { Icon(Icons.AutoMirrored.Filled.Send, "Send") }
        }
    }
}

/** The members an "@" word may name: display name, then "@username". */
@Composable
private fun MentionSuggestions(candidates: List<RoomMember>, onPick: (RoomMember) -> Unit) {
    Surface(tonalElevation = 2.dp, modifier = Modifier.fillMaxWidth()) {
        Column {
            for (member in candidates) {
                Row(
                    modifier = Modifier
                        .fillMaxWidth()
                        .clickable(onClickLabel = "Mention ${member.displayName}") { onPick(member) }
                        .padding(horizontal = 16.dp, vertical = 10.dp),
                    verticalAlignment = Alignment.CenterVertically,
                ) {
                    Text(member.displayName, style = MaterialTheme.typography.bodyMedium)
                    Text(
                        "  @${member.username}",
                        style = MaterialTheme.typography.bodySmall,
                        color = MaterialTheme.colorScheme.onSurfaceVariant,
                    )
                }
            }
        }
    }
}
