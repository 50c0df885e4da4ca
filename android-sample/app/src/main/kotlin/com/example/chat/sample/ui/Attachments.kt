package com.example.chat.sample.ui

import android.graphics.Bitmap
import android.graphics.BitmapFactory
import android.graphics.Matrix
import android.media.ExifInterface
import android.text.format.Formatter
import androidx.compose.foundation.ExperimentalFoundationApi
import androidx.compose.foundation.Image
import androidx.compose.foundation.background
import androidx.compose.foundation.clickable
import androidx.compose.foundation.combinedClickable
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Box
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.size
import androidx.compose.foundation.layout.width
import androidx.compose.foundation.shape.RoundedCornerShape
import androidx.compose.material.icons.Icons
import androidx.compose.material.icons.automirrored.filled.InsertDriveFile
import androidx.compose.material.icons.filled.Photo
import androidx.compose.material3.CircularProgressIndicator
import androidx.compose.material3.Icon
import androidx.compose.material3.LinearProgressIndicator
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.Text
import androidx.compose.runtime.Composable
import androidx.compose.runtime.getValue
import androidx.compose.runtime.produceState
import androidx.compose.ui.Alignment
import androidx.compose.ui.Modifier
import androidx.compose.ui.draw.clip
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.graphics.ImageBitmap
import androidx.compose.ui.graphics.asImageBitmap
import androidx.compose.ui.layout.ContentScale
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.platform.LocalDensity
import androidx.compose.ui.text.style.TextOverflow
import androidx.compose.ui.unit.DpSize
import androidx.compose.ui.unit.dp
import androidx.compose.ui.window.Dialog
import androidx.compose.ui.window.DialogProperties
import java.io.IOException
import kotlin.math.max
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext
import uniffi.chat_sdk.MessageAttachment

/** The long side of a picture in a bubble. */
private val PICTURE_SIDE = 240.dp

/**
 * Shown as a picture: the server made thumbnails of it or, while it waits in the
 * outbox, the app declared an image type for it.
 */
val MessageAttachment.isImage: Boolean
    get() = thumbnailWidth != null || (attachmentId == null && mime.startsWith("image/"))

/**
 * A message's files in its bubble: images as pictures (a tap opens the viewer), other
 * files as their name and size (a tap saves them), both once uploaded; while the
 * message uploads ([uploadProgress] not null), a bar under them. [onLongClick] opens
 * the message's menu, as everywhere else on the bubble.
 */
@Composable
fun MessageAttachments(
    attachments: List<MessageAttachment>,
    uploadProgress: Float?,
    loadPicture: suspend (MessageAttachment) -> ByteArray?,
    onOpenImage: (MessageAttachment) -> Unit,
    onSaveFile: (MessageAttachment) -> Unit,
    onLongClick: () -> Unit,
) {
    Column(verticalArrangement = Arrangement.spacedBy(4.dp), modifier = Modifier.padding(vertical = 4.dp)) {
        for (attachment in attachments) {
            // Only what the server has can be opened or saved.
            val uploaded = attachment.attachmentId != null
            if (attachment.isImage) {
                Picture(
                    attachment,
                    load = { loadPicture(attachment) },
                    onClick = { if (uploaded) onOpenImage(attachment) },
                    onLongClick = onLongClick,
                )
            } else {
                FileRow(attachment, onClick = { if (uploaded) onSaveFile(attachment) }, onLongClick = onLongClick)
            }
        }
        if (uploadProgress != null) {
            LinearProgressIndicator(progress = { uploadProgress }, modifier = Modifier.width(PICTURE_SIDE))
        }
    }
}

/**
 * An image in a bubble, in a box of its shape (from the thumbnail's size, or for a
 * pending one the decoded file's), with an image icon until its picture is loaded.
 */
@OptIn(ExperimentalFoundationApi::class)
@Composable
private fun Picture(
    attachment: MessageAttachment,
    load: suspend () -> ByteArray?,
    onClick: () -> Unit,
    onLongClick: () -> Unit,
) {
    val maxSide = with(LocalDensity.current) { PICTURE_SIDE.roundToPx() }
    // Again once uploaded: the server's thumbnail replaces the file from the outbox.
    val picture by produceState<ImageBitmap?>(null, attachment.attachmentId) {
        value = load()?.let { decodePicture(it, maxSide) }
    }
    val width = attachment.thumbnailWidth?.toInt() ?: picture?.width
    val height = attachment.thumbnailHeight?.toInt() ?: picture?.height
    val ratio = if (width != null && height != null && width > 0 && height > 0) width.toFloat() / height else 1f
    Box(
        modifier = Modifier
            .size(pictureSize(ratio))
            .clip(RoundedCornerShape(8.dp))
            .combinedClickable(onClickLabel = "Open image", onClick = onClick, onLongClick = onLongClick)
            .background(MaterialTheme.colorScheme.surfaceVariant),
        contentAlignment = Alignment.Center,
    ) {
        val shown = picture
        if (shown != null) {
            Image(
                shown,
                contentDescription = attachment.name,
                contentScale = ContentScale.Crop,
                modifier = Modifier.fillMaxSize(),
            )
        } else {
            Icon(Icons.Filled.Photo, contentDescription = attachment.name, tint = MaterialTheme.colorScheme.onSurfaceVariant)
        }
    }
}

// The long side at PICTURE_SIDE; a panorama or a long screenshot is cropped to at most
// 3:1 rather than drawn as a sliver.
private fun pictureSize(ratio: Float): DpSize {
    val shape = ratio.coerceIn(1f / 3, 3f)
    return if (shape >= 1f) DpSize(PICTURE_SIDE, PICTURE_SIDE / shape) else DpSize(PICTURE_SIDE * shape, PICTURE_SIDE)
}

/** A file that is not an image: an icon, its name (plain text) and its size. */
@OptIn(ExperimentalFoundationApi::class)
@Composable
private fun FileRow(attachment: MessageAttachment, onClick: () -> Unit, onLongClick: () -> Unit) {
    val colors = MaterialTheme.colorScheme
    val size = Formatter.formatShortFileSize(LocalContext.current, attachment.size.toLong())
    Row(
        modifier = Modifier
            .combinedClickable(onClickLabel = "Save file", onClick = onClick, onLongClick = onLongClick)
            .padding(vertical = 4.dp),
        verticalAlignment = Alignment.CenterVertically,
    ) {
        Icon(Icons.AutoMirrored.Filled.InsertDriveFile, contentDescription = null, tint = colors.onSurfaceVariant)
        Column(Modifier.padding(start = 8.dp)) {
            Text(attachment.name, style = MaterialTheme.typography.bodyMedium, maxLines = 2, overflow = TextOverflow.Ellipsis)
            Text(size, style = MaterialTheme.typography.labelSmall, color = colors.onSurfaceVariant)
        }
    }
}

/** What the viewer shows, and whether the original is still on its way. */
private class Viewed(val picture: ImageBitmap?, val loading: Boolean)

/**
 * One image over everything, on black: its medium thumbnail ([loadPreview]) at once,
 * then the original ([loadOriginal]) once downloaded, at the screen's resolution. A tap
 * or Back closes it.
 */
@Composable
fun ImageViewer(
    attachment: MessageAttachment,
    loadPreview: suspend () -> ByteArray?,
    loadOriginal: suspend () -> ByteArray?,
    onDismiss: () -> Unit,
) {
    val screen = LocalContext.current.resources.displayMetrics
    val maxSide = max(screen.widthPixels, screen.heightPixels)
    val viewed by produceState(Viewed(null, loading = true), attachment.attachmentId) {
        loadPreview()?.let { decodePicture(it, maxSide) }?.let { value = Viewed(it, loading = true) }
        val original = loadOriginal()?.let { decodePicture(it, maxSide) }
        value = Viewed(original ?: value.picture, loading = false)
    }
    Dialog(onDismissRequest = onDismiss, properties = DialogProperties(usePlatformDefaultWidth = false)) {
        Box(
            modifier = Modifier
                .fillMaxSize()
                .background(Color.Black)
                .clickable(onClickLabel = "Close", onClick = onDismiss),
            contentAlignment = Alignment.Center,
        ) {
            val picture = viewed.picture
            when {
                picture != null -> Image(
                    picture,
                    contentDescription = attachment.name,
                    contentScale = ContentScale.Fit,
                    modifier = Modifier.fillMaxSize(),
                )
                viewed.loading -> CircularProgressIndicator()
                else -> Text("This image cannot be loaded now.", color = Color.White)
            }
            if (picture != null && viewed.loading) {
                LinearProgressIndicator(modifier = Modifier.fillMaxWidth().align(Alignment.TopCenter))
            }
        }
    }
}

/**
 * [bytes] as a picture at most [maxSide] pixels on its long side (decoded at a
 * power-of-two scale, so a large photo never is whole in memory), upright; null when
 * this device cannot decode them. Off the main thread.
 */
private suspend fun decodePicture(bytes: ByteArray, maxSide: Int): ImageBitmap? = withContext(Dispatchers.Default) {
    val bounds = BitmapFactory.Options().apply { inJustDecodeBounds = true }
    BitmapFactory.decodeByteArray(bytes, 0, bytes.size, bounds)
    if (bounds.outWidth <= 0 || bounds.outHeight <= 0) return@withContext null
    var sample = 1
    while (max(bounds.outWidth, bounds.outHeight) / sample > maxSide) sample *= 2
    val options = BitmapFactory.Options().apply { inSampleSize = sample }
    BitmapFactory.decodeByteArray(bytes, 0, bytes.size, options)?.let { upright(it, bytes).asImageBitmap() }
}

// The server turns its thumbnails upright but keeps the original's EXIF orientation
// (as does a photo waiting in the outbox), which BitmapFactory ignores. Cameras write
// only the rotations, not the mirrored orientations.
private fun upright(bitmap: Bitmap, bytes: ByteArray): Bitmap {
    val orientation = try {
        ExifInterface(bytes.inputStream()).getAttributeInt(ExifInterface.TAG_ORIENTATION, ExifInterface.ORIENTATION_NORMAL)
    } catch (e: IOException) {
        ExifInterface.ORIENTATION_NORMAL
    }
    val degrees = when (orientation) {
        ExifInterface.ORIENTATION_ROTATE_90 -> 90f
        ExifInterface.ORIENTATION_ROTATE_180 -> 180f
        ExifInterface.ORIENTATION_ROTATE_270 -> 270f
        else -> return bitmap
    }
    return Bitmap.createBitmap(bitmap, 0, 0, bitmap.width, bitmap.height, Matrix().apply { postRotate(degrees) }, true)
}
