package com.example.chat.sample.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.unit.dp
import uniffi.chat_ffi.ChatClient
import uniffi.chat_protocol.MemberRole
import uniffi.chat_protocol.RoomMember

/** Asks why a message is reported (1–500 characters). */
@Composable
fun ReportDialog(onDismiss: () -> Unit, onReport: (String) -> Unit) {
    var reason by remember { mutableStateOf("") }
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text("Report message") },
        text = {
            OutlinedTextField(
                value = reason,
                onValueChange = { if (it.length <= 500) reason = it },
                label = { Text("Why are you reporting it?") },
            )
        },
        confirmButton = {
            TextButton(onClick = { onReport(reason) }, enabled = reason.isNotBlank()) { Text("Report") }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text("Cancel") } },
    )
}

/** A yes-or-cancel question for an action that cannot be undone from here. */
@Composable
fun ConfirmDialog(title: String, text: String, confirm: String, onDismiss: () -> Unit, onConfirm: () -> Unit) {
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text(title) },
        text = { Text(text) },
        confirmButton = { TextButton(onClick = onConfirm) { Text(confirm) } },
        dismissButton = { TextButton(onClick = onDismiss) { Text("Cancel") } },
    )
}

/**
 * The room's members with their pictures and roles. An owner or admin gets "Remove"
 * and "Ban" for the members they outrank (admins act on members; the owner on admins
 * too), and "Room picture" ([onPicture]; a direct room has no owner or admin); anyone
 * may ask for an invite link to share ([onInvite]).
 */
@Composable
fun RoomInfoDialog(
    client: ChatClient,
    members: List<RoomMember>,
    me: String,
    onDismiss: () -> Unit,
    onRemove: (RoomMember) -> Unit,
    onBan: (RoomMember) -> Unit,
    onPicture: (() -> Unit)?,
    onInvite: () -> Unit,
) {
    val myRole = members.firstOrNull { it.userId == me }?.role ?: MemberRole.MEMBER
    fun outranks(other: MemberRole) = when (myRole) {
        MemberRole.OWNER -> other != MemberRole.OWNER
        MemberRole.ADMIN -> other == MemberRole.MEMBER
        MemberRole.MEMBER -> false
    }
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text("Members") },
        text = {
            LazyColumn {
                items(members, key = { it.userId }) { member ->
                    Row(Modifier.fillMaxWidth().padding(vertical = 4.dp), verticalAlignment = Alignment.CenterVertically) {
                        Avatar(client, member.avatarId, member.displayName, size = 32.dp)
                        Column(Modifier.weight(1f).padding(start = 8.dp)) {
                            Text(member.displayName)
                            if (member.role != MemberRole.MEMBER) {
                                Text(
                                    member.role.name.lowercase(),
                                    style = MaterialTheme.typography.labelSmall,
                                    color = MaterialTheme.colorScheme.onSurfaceVariant,
                                )
                            }
                        }
                        if (member.userId != me && outranks(member.role)) {
                            TextButton(onClick = { onRemove(member) }) { Text("Remove") }
                            TextButton(onClick = { onBan(member) }) { Text("Ban") }
                        }
                    }
                }
            }
        },
        confirmButton = { TextButton(onClick = onDismiss) { Text("Close") } },
        dismissButton = {
            Row {
                // Where only admins may add members, the server refuses a member's invite.
                TextButton(onClick = onInvite) { Text("Invite link") }
                if (onPicture != null && myRole != MemberRole.MEMBER) {
                    TextButton(onClick = onPicture) { Text("Room picture") }
                }
            }
        },
    )
}
