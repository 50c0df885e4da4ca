// Attachments over the Kotlin bindings: a PNG (drawn with ImageIO) sent as bytes and a
// file sent by path, the upload's progress, the other device's thumbnail (decoded
// again), a download, signed links, and a file the server refuses.

import java.awt.image.BufferedImage
import java.io.ByteArrayOutputStream
import java.io.File
import javax.imageio.ImageIO
import uniffi.chat_ffi.ChatClient
import uniffi.chat_protocol.ErrorCode
import uniffi.chat_sdk.ClientEvent
import uniffi.chat_sdk.MessageStatus
import uniffi.chat_sdk.ThumbnailVariant

fun pngBytes(width: Int, height: Int): ByteArray {
    val out = ByteArrayOutputStream()
    ImageIO.write(BufferedImage(width, height, BufferedImage.TYPE_INT_RGB), "png", out)
    return out.toByteArray()
}

suspend fun attachments(
    ann: ChatClient,
    bob: ChatClient,
    room: String,
    annEvents: Recorder,
    bobEvents: Recorder,
    work: String,
) {
    val photo = pngBytes(80, 40)
    val echo = ann.sendAttachment(room, photo, "kotlin.png", "image/png", "from Kotlin")
    check(
        "a photo's echo is pending, with its file",
        echo.attachments.singleOrNull()?.let { it.name == "kotlin.png" && it.attachmentId == null } == true,
    )
    val progress = annEvents.await {
        it is ClientEvent.UploadProgress && it.clientMsgId == echo.clientMsgId && it.sentBytes == it.totalBytes
    }
    check("the upload's progress reaches the whole file", progress != null)
    val received = bobEvents.await {
        it is ClientEvent.Message && it.message.clientMsgId == echo.clientMsgId
    } as? ClientEvent.Message
    val attachment = received?.message?.attachments?.singleOrNull()
    check(
        "bob receives the photo with its size",
        attachment?.width == 80u && attachment.height == 40u && attachment.mime == "image/png",
    )
    val id = attachment?.attachmentId ?: return
    val thumbnail = bob.thumbnail(id, ThumbnailVariant.SMALL)
    check("the thumbnail decodes", ImageIO.read(thumbnail.inputStream())?.width == 80)
    check("the download is the whole file", bob.downloadAttachment(id).size.toULong() == attachment.size)
    val links = bob.attachmentLinks(id)
    check("signed links name a signature and a thumbnail", links.url.contains("signature=") && links.thumbnailUrl != null)

    val file = File(work, "notes.txt").apply { writeText("meeting notes") }
    val sent = ann.sendAttachmentFile(room, file.path, "text/plain", null)
    file.delete() // the SDK has its own copy
    val notes = bobEvents.await {
        it is ClientEvent.Message && it.message.clientMsgId == sent.clientMsgId
    } as? ClientEvent.Message
    check(
        "a file sent by path arrives as a download",
        notes?.message?.attachments?.singleOrNull()?.let {
            it.name == "notes.txt" && it.mime == "application/octet-stream"
        } == true,
    )

    val refused = ann.sendAttachment(room, photo, "x.jpg", "image/jpeg", null)
    val status = annEvents.await {
        it is ClientEvent.Status && it.clientMsgId == refused.clientMsgId && it.status is MessageStatus.Failed
    } as? ClientEvent.Status
    check(
        "a file declared as what it is not fails its message",
        (status?.status as? MessageStatus.Failed)?.code == ErrorCode.UNSUPPORTED_TYPE,
    )
    ann.cancel(refused.clientMsgId)
}
