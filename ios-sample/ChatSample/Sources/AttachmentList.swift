import ChatKit
import ImageIO
import SwiftUI
import UniformTypeIdentifiers

/// The files of a message in its bubble: images as thumbnails, other files as a line
/// with their name and size, and a progress bar while the user's message uploads. A
/// tap on a file the server has opens it (`onOpen`). Names are `Text(verbatim:)`:
/// never interpreted as Markdown.
struct AttachmentList: View {
    let message: LocalMessage
    let client: ChatClient
    /// The share uploaded (0...1) while the message uploads.
    let progress: Double?
    let onOpen: (MessageAttachment) -> Void

    var body: some View {
        VStack(alignment: .leading, spacing: 4) {
            ForEach(message.attachments, id: \.position) { attachment in
                Button {
                    onOpen(attachment)
                } label: {
                    if attachment.isImage {
                        Thumbnail(attachment: attachment, message: message, client: client)
                    } else {
                        FileLabel(attachment: attachment)
                    }
                }
                .buttonStyle(.plain)
                // Still in the outbox: nothing to open on the server yet.
                .disabled(attachment.attachmentId == nil)
            }
            if let progress {
                ProgressView(value: progress)
                    .accessibilityLabel("Uploading")
            }
        }
    }
}

/// An image in a box of its thumbnail's proportions, reserved before the picture
/// arrives so that the list does not jump: the server's small thumbnail, or while it
/// waits in the outbox, the file itself.
private struct Thumbnail: View {
    let attachment: MessageAttachment
    let message: LocalMessage
    let client: ChatClient
    @State private var image: UIImage?

    /// The longest side of the box, in points.
    private static let side: CGFloat = 240

    var body: some View {
        let size = boxSize
        ZStack {
            Color.secondary.opacity(0.15)
            if let image {
                Image(uiImage: image).resizable().scaledToFill()
            } else {
                Image(systemName: "photo").foregroundStyle(.secondary)
            }
        }
        .frame(width: size.width, height: size.height)
        .clipShape(RoundedRectangle(cornerRadius: 8))
        .accessibilityElement()
        .accessibilityLabel(Text(verbatim: attachment.name))
        // Again once uploaded: a picture the outbox no longer had comes from the server.
        .task(id: attachment.attachmentId) { await load() }
    }

    /// The thumbnail's size (before the server has made one: the image's, else 4:3),
    /// scaled down to fit the box; never up, so a small image stays sharp.
    private var boxSize: CGSize {
        let width = CGFloat(attachment.thumbnailWidth ?? attachment.width ?? 4)
        let height = CGFloat(attachment.thumbnailHeight ?? attachment.height ?? 3)
        let scale = min(1, Self.side / max(width, height, 1))
        return CGSize(width: max(1, width * scale), height: max(1, height * scale))
    }

    @MainActor
    private func load() async {
        // Offline, the placeholder stays until the row shows again.
        guard image == nil,
              let data = try? await client.picture(of: attachment, in: message, variant: .small)
        else { return }
        image = await decodedImage(data, maxPixels: Int(Self.side * 3))
    }
}

/// A file that is not an image: a symbol for its kind, its name and its size.
struct FileLabel: View {
    let attachment: MessageAttachment

    var body: some View {
        HStack(spacing: 8) {
            Image(systemName: symbol).font(.title2).foregroundStyle(.tint)
            VStack(alignment: .leading, spacing: 1) {
                Text(verbatim: attachment.name).lineLimit(2)
                Text(verbatim: Int64(clamping: attachment.size).formatted(.byteCount(style: .file)))
                    .font(.caption2)
                    .foregroundStyle(.secondary)
            }
        }
    }

    /// From the name's extension: once uploaded, every file that is not an image has
    /// the type `application/octet-stream`.
    private var symbol: String {
        guard let type = UTType(filenameExtension: (attachment.name as NSString).pathExtension) else {
            return "doc"
        }
        if type.conforms(to: .pdf) { return "doc.richtext" }
        if type.conforms(to: .audio) { return "waveform" }
        if type.conforms(to: .movie) { return "film" }
        if type.conforms(to: .archive) { return "doc.zipper" }
        return "doc"
    }
}

/// `data` (an image) decoded off the main actor, upright, at most `maxPixels` on its
/// long side: decoded whole, a photo costs width × height × 4 bytes of memory (48 MB
/// for 12 megapixels) however small it is shown.
func decodedImage(_ data: Data, maxPixels: Int) async -> UIImage? {
    await Task.detached(priority: .userInitiated) { () -> UIImage? in
        let options = [
            kCGImageSourceCreateThumbnailFromImageAlways: true,
            kCGImageSourceCreateThumbnailWithTransform: true,
            kCGImageSourceShouldCacheImmediately: true,
            kCGImageSourceThumbnailMaxPixelSize: maxPixels,
        ] as CFDictionary
        guard let source = CGImageSourceCreateWithData(data as CFData, nil),
              let image = CGImageSourceCreateThumbnailAtIndex(source, 0, options)
        else { return nil }
        return UIImage(cgImage: image)
    }.value
}
