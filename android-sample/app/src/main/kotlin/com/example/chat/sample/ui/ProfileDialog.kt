package com.example.chat.sample.ui

import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.PickVisualMediaRequest
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
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
import androidx.compose.ui.Alignment
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.unit.dp
import com.example.chat.sample.describe
import com.example.chat.sample.readPickedFile
import java.io.IOException
import kotlinx.coroutines.launch
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_protocol.UserProfile

/**
 * The user's profile: the name others see and their picture (picked with the photo
 * picker, uploaded at once). Everyone who shares a room with them sees the change live.
 */
@Composable
fun ProfileDialog(
    client: ChatClient,
    profile: UserProfile,
    onDismiss: () -> Unit,
    onRename: suspend (String) -> Unit,
    onPicture: suspend (ByteArray, String, String) -> Unit,
    onRemovePicture: suspend () -> Unit,
) {
    var name by remember { mutableStateOf(profile.displayName) }
    var error by remember { mutableStateOf<String?>(null) }
    var busy by remember { mutableStateOf(false) }
    val scope = rememberCoroutineScope()
    val resolver = LocalContext.current.contentResolver
    fun attempt(block: suspend () -> Unit) {
        busy = true
        scope.launch {
            try {
                block()
                error = null
            } catch (e: ChatException) {
                error = describe(e)
            } catch (e: IOException) {
                error = "The picture could not be read: ${e.message}"
            } finally {
                busy = false
            }
        }
    }
    val picker = rememberLauncherForActivityResult(ActivityResultContracts.PickVisualMedia()) { uri ->
        if (uri != null) {
            attempt {
                val file = readPickedFile(resolver, uri)
                onPicture(file.bytes, file.name, file.mime)
            }
        }
    }
    AlertDialog(
        onDismissRequest = onDismiss,
        title = { Text("Your profile") },
        text = {
            Column(verticalArrangement = Arrangement.spacedBy(8.dp)) {
                Row(verticalAlignment = Alignment.CenterVertically, horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                    Avatar(client, profile.avatarId, profile.displayName, size = 56.dp)
                    TextButton(
                        enabled = !busy,
                        onClick = {
                            picker.launch(PickVisualMediaRequest(ActivityResultContracts.PickVisualMedia.ImageOnly))
                        },
                    ) { Text("Choose picture") }
                    if (profile.avatarId != null) {
                        TextButton(enabled = !busy, onClick = { attempt(onRemovePicture) }) { Text("Remove") }
                    }
                }
                OutlinedTextField(
                    value = name,
                    onValueChange = { name = it },
                    label = { Text("Name others see (1 to 64 characters)") },
                    singleLine = true,
                )
                error?.let { Text(it, color = MaterialTheme.colorScheme.error) }
            }
        },
        confirmButton = {
            TextButton(
                enabled = !busy && name.isNotBlank() && name.trim() != profile.displayName,
                onClick = { attempt { onRename(name) } },
            ) { Text("Save name") }
        },
        dismissButton = { TextButton(onClick = onDismiss) { Text("Close") } },
    )
}
