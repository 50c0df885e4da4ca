// Attachments as a chat screen shows and sends them: which files are pictures, the
// bytes of a picture whether the server has the file yet or it still waits in the
// outbox, and the type a send should declare for a file.

import Foundation

/// File types as the server treats them.
public enum AttachmentTypes {
    /// The types the server shows as images (with thumbnails): it recognises them from
    /// the bytes. Every other file is kept as `application/octet-stream`, for download.
    public static let images: Set<String> = ["image/jpeg", "image/png", "image/webp", "image/gif"]

    /// The type to declare for a file of the type `mime` (nil: unknown). The server
    /// refuses a declared image type that it does not show (HEIC, TIFF, SVG...), so
    /// such a file goes as `application/octet-stream`, which claims nothing, and
    /// arrives as a download.
    public static func declared(_ mime: String?) -> String {
        guard let mime, !mime.hasPrefix("image/") || images.contains(mime) else {
            return "application/octet-stream"
        }
        return mime
    }
}

public extension MessageAttachment {
    /// Shown as a picture: an image the server has thumbnailed, or one of its image
    /// types still waiting in the outbox.
    var isImage: Bool {
        thumbnailWidth != nil || (attachmentId == nil && AttachmentTypes.images.contains(mime))
    }
}

public extension ChatClient {
    /// The bytes of the picture of `attachment` (an image) of `message`: the server's
    /// `variant` thumbnail (cached by the SDK), or while the file waits to be uploaded,
    /// the file itself; nil when it was uploaded meanwhile (the message read again has
    /// the attachment's id). Throws when the thumbnail cannot be fetched (offline).
    /// Being async and not on an actor, it reads the outbox's copy off the main one.
    func picture(
        of attachment: MessageAttachment, in message: LocalMessage, variant: ThumbnailVariant
    ) async throws -> Data? {
        if let id = attachment.attachmentId {
            return try await thumbnail(attachmentId: id, variant: variant)
        }
        return try pendingFile(clientMsgId: message.clientMsgId, position: attachment.position)
    }
}
