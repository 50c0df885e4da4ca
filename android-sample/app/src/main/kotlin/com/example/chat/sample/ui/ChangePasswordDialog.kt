package com.example.chat.sample.ui

import androidx.compose.foundation.layout.Column
import androidx.compose.material3.AlertDialog
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
import androidx.compose.ui.text.input.PasswordVisualTransformation
import com.example.chat.sample.describe
import kotlinx.coroutines.launch
import uniffi.chat_ffi.ChatException

/**
 * Changing the password: every other device of the user is signed out, and this one
 * goes on with the new session (stored through `SessionRenewed`, as every renewal is).
 */
@Composable
fun ChangePasswordDialog(onDismiss: () -> Unit, onChange: suspend (String, String) -> Unit) {
    var currentPassword by remember { mutableStateOf("") }
    var newPassword by remember { mutableStateOf("") }
    var error by remember { mutableStateOf<String?>(null) }
    var busy by remember { mutableStateOf(false) }
    val scope = rememberCoroutineScope()
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text("Change password") },
        text = {
            Column {
                Text("Your other devices will be signed out.")
                OutlinedTextField(
                    value = currentPassword,
                    onValueChange = { currentPassword = it },
                    label = { Text("Current password") },
                    visualTransformation = PasswordVisualTransformation(),
                )
                OutlinedTextField(
                    value = newPassword,
                    onValueChange = { newPassword = it },
                    label = { Text("New password (8 characters or more)") },
                    visualTransformation = PasswordVisualTransformation(),
                )
                error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            }
        },
        confirmButton = {
            TextButton(
                enabled = !busy && currentPassword.isNotEmpty() && newPassword.length >= 8,
                onClick = {
                    busy = true
                    scope.launch {
                        try {
                            onChange(currentPassword, newPassword)
                            onDismiss()
                        } catch (e: ChatException) {
                            error = describe(e)
                        } finally {
                            busy = false
                        }
                    }
                },
            ) { Text("Change") }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text("Cancel") } },
    )
}
