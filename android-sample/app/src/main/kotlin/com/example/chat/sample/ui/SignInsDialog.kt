package com.example.chat.sample.ui

import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.ListItem
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import java.text.DateFormat
import java.util.Date
import uniffi.chat_protocol.SignIn

/**
 * "Your devices": where the account is signed in, most recently active first. Any other
 * device can be signed out (it has to sign in again and gets no more notifications), or
 * all of them at once.
 */
@Composable
fun SignInsDialog(
    signIns: List<SignIn>,
    onEnd: (SignIn) -> Unit,
    onEndOthers: () -> Unit,
    onDismiss: () -> Unit,
) {
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text("Your devices") },
        text = {
            LazyColumn {
                items(signIns, key = { it.id }) { signIn ->
                    val seen = DateFormat.getDateTimeInstance().format(Date(signIn.lastActiveAt))
                    ListItem(
                        headlineContent = { Text(signIn.deviceName ?: "Unnamed device") },
                        supportingContent = { Text(if (signIn.current) "This device" else "Active $seen") },
                        trailingContent = {
                            if (!signIn.current) TextButton(onClick = { onEnd(signIn) }) { Text("Sign out") }
                        },
                    )
                }
            }
        },
        confirmButton = { TextButton(onClick = onDismiss) { Text("Close") } },
        dismissButton = {
            if (signIns.count { !it.current } > 1) {
                TextButton(onClick = onEndOthers) { Text("Sign out all others") }
            }
        },
    )
}
