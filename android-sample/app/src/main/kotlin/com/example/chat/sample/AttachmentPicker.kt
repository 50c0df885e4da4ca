package com.example.chat.sample

import android.content.ContentResolver
import android.net.Uri
import android.provider.OpenableColumns
import java.io.ByteArrayOutputStream
import java.io.FileNotFoundException
import java.io.IOException
import java.io.InputStream
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.withContext

/** A file the user picked, read into memory for the SDK (which keeps its own copy). */
class PickedFile(val bytes: ByteArray, val name: String, val mime: String)

/** The picked file is larger than the SDK takes. */
class FileTooLarge : IOException("over $MAX_FILE_BYTES bytes")

// The SDK's own limit for one file (its MAX_FILE_BYTES): it refuses anything bigger, so
// reading more would only fill memory. The server's limit, lower, decides later.
private const val MAX_FILE_BYTES = 100 * 1024 * 1024

// The types the server takes as images (it makes thumbnails of them). It refuses any
// other image type declared as such (HEIC, SVG: `unsupported_type`), while
// "application/octet-stream" claims nothing: the server tells images by their bytes.
private val SERVER_IMAGE_TYPES = setOf("image/jpeg", "image/png", "image/webp", "image/gif")

/**
 * Reads the file behind a photo-picker or file-picker [uri], off the main thread: its
 * bytes, its display name (`OpenableColumns.DISPLAY_NAME`) and the type to declare for
 * it. Throws [FileTooLarge], or another [IOException] when the provider fails.
 */
suspend fun readPickedFile(resolver: ContentResolver, uri: Uri): PickedFile = withContext(Dispatchers.IO) {
    val name = resolver.query(uri, arrayOf(OpenableColumns.DISPLAY_NAME), null, null, null)?.use { cursor ->
        if (cursor.moveToFirst()) cursor.getString(0) else null
    }
    val type = resolver.getType(uri)
    val bytes = resolver.openInputStream(uri)?.use { it.readAtMost(MAX_FILE_BYTES) }
        ?: throw FileNotFoundException(uri.toString())
    PickedFile(
        bytes = bytes,
        name = name?.takeIf { it.isNotBlank() } ?: uri.lastPathSegment ?: "file",
        mime = type?.takeIf { it in SERVER_IMAGE_TYPES } ?: "application/octet-stream",
    )
}

// The size column may be missing or wrong, so the limit is kept while reading.
private fun InputStream.readAtMost(limit: Int): ByteArray {
    val out = ByteArrayOutputStream()
    val buffer = ByteArray(DEFAULT_BUFFER_SIZE)
    while (true) {
        val read = read(buffer)
        if (read < 0) return out.toByteArray()
        if (out.size() + read > limit) throw FileTooLarge()
        out.write(buffer, 0, read)
    }
}
