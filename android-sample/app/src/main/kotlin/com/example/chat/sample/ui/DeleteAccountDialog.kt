package com.example.chat.sample.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.material3.AlertDialog
import androidx.compose.material3.Checkbox
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.rememberCoroutineScope
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.text.input.PasswordVisualTransformation
import com.example.chat.sample.describe
import kotlinx.coroutines.launch
import uniffi.chat_ffi.ChatException

/**
 * Deleting the account (App Store guideline 5.1.1(v)): confirmed with the password,
 * optionally erasing every message. On success the app is signed out by [onDelete].
 */
@Composable
fun DeleteAccountDialog(onDismiss: () -> Unit, onDelete: suspend (String?, Boolean) -> Unit) {
    var password by remember { mutableStateOf("") }
    var erase by remember { mutableStateOf(false) }
    var error by remember { mutableStateOf<String?>(null) }
    var busy by remember { mutableStateOf(false) }
    val scope = rememberCoroutineScope()
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text("Delete your account?") },
        text = {
            Column {
                Text("Your rooms, name and sign-in go away for good.")
                OutlinedTextField(
                    value = password,
                    onValueChange = { password = it },
                    label = { Text("Password") },
                    visualTransformation = PasswordVisualTransformation(),
                )
                Row(verticalAlignment = Alignment.CenterVertically) {
                    Checkbox(checked = erase, onCheckedChange = { erase = it })
                    Text("Also delete my messages")
                }
                error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            }
        },
        confirmButton = {
            TextButton(
                enabled = !busy,
                onClick = {
                    busy = true
                    scope.launch {
                        try {
                            onDelete(password.ifEmpty { null }, erase)
                        } catch (e: ChatException) {
                            error = describe(e)
                        } finally {
                            busy = false
                        }
                    }
                },
            ) { Text("Delete") }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text("Cancel") } },
    )
}
