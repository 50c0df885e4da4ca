import ChatKit
import PhotosUI
import SwiftUI
import UniformTypeIdentifiers

/// A photo or file the user picked in the composer, as a send takes it.
enum NewAttachment {
    /// A photo from the library, its bytes in memory.
    case photo(data: Data, name: String, mime: String)
    /// A file from the Files app: the SDK copies it by path (while the composer holds
    /// its security-scoped access), so a large one is never read into memory here.
    case file(URL, mime: String)

    /// The photo picked as `item`. The server shows JPEG, PNG, WebP and GIF as images;
    /// any other (HEIC, what the camera takes by default) is converted to JPEG so that
    /// it shows as one too, rather than being refused for its type.
    static func loadPhoto(_ item: PhotosPickerItem) async throws -> NewAttachment {
        guard let data = try await item.loadTransferable(type: Data.self) else {
            throw Unreadable(errorDescription: "That photo could not be loaded.")
        }
        let type = item.supportedContentTypes.first
        if let mime = type?.preferredMIMEType, AttachmentTypes.images.contains(mime) {
            return .photo(data: data, name: "photo.\(type?.preferredFilenameExtension ?? "jpg")", mime: mime)
        }
        let jpeg = await Task.detached(priority: .userInitiated) {
            UIImage(data: data)?.jpegData(compressionQuality: 0.9)
        }.value
        guard let jpeg else {
            throw Unreadable(errorDescription: "That photo is in a format this app cannot send.")
        }
        return .photo(data: jpeg, name: "photo.jpg", mime: "image/jpeg")
    }

    /// The file at `url` (from the file importer), of the type its extension names.
    static func importedFile(_ url: URL) -> NewAttachment {
        .file(url, mime: AttachmentTypes.declared(UTType(filenameExtension: url.pathExtension)?.preferredMIMEType))
    }
}

/// Why a picked photo cannot be sent, for the user.
private struct Unreadable: LocalizedError {
    let errorDescription: String?
}
