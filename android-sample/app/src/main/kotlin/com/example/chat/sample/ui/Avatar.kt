package com.example.chat.sample.ui

import android.graphics.BitmapFactory
import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.shape.CircleShape
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.unit.Dp
import androidx.compose.ui.unit.dp
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.chat_ffi.ChatClient
import uniffi.chat_ffi.ChatException
import uniffi.chat_sdk.ThumbnailVariant

/**
 * A round picture of a user or room: the small thumbnail of [avatarId] (the SDK keeps it
 * in its cache, so it shows offline too), or the first letter of [name] when there is
 * none or it cannot be fetched.
 */
@Composable
fun Avatar(client: ChatClient, avatarId: String?, name: String, size: Dp = 40.dp) {
    var picture by remember(avatarId) { mutableStateOf<ImageBitmap?>(null) }
    LaunchedEffect(avatarId) {
        picture = avatarId?.let { id ->
            try {
                val bytes = client.thumbnail(id, ThumbnailVariant.SMALL)
                withContext(Dispatchers.Default) {
                    BitmapFactory.decodeByteArray(bytes, 0, bytes.size)?.asImageBitmap()
                }
            } catch (e: ChatException) {
                null // offline before it was cached, or removed: the initial instead
            }
        }
    }
    val shown = picture
    if (shown != null) {
        Image(
            bitmap = shown,
            contentDescription = null, // the name is next to it
            contentScale = ContentScale.Crop,
            modifier = Modifier.size(size).clip(CircleShape),
        )
    } else {
        Box(
            Modifier.size(size).clip(CircleShape).background(MaterialTheme.colorScheme.secondaryContainer),
            contentAlignment = Alignment.Center,
        ) {
            Text(name.trim().take(1).uppercase().ifEmpty { "?" }, style = MaterialTheme.typography.titleMedium)
        }
    }
}
