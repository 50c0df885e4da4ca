import ChatKit
import SwiftUI

/// An attachment the server has, full size (in a sheet): an image's medium thumbnail at
/// once, then the file itself; a file that is not an image as its name and size. Once
/// the file is here, Share saves it (to Photos or Files) or opens it in another app.
struct AttachmentViewer: View {
    let attachment: MessageAttachment
    let client: ChatClient
    @State private var picture: UIImage?
    /// The downloaded file, for the share sheet.
    @State private var file: URL?
    @State private var failure: String?
    @Environment(\.dismiss) private var dismiss

    /// The longest side the whole image is decoded at: sharper than the medium
    /// thumbnail (1280) on any screen, at most 64 MB of memory.
    private static let fullPixels = 4096

    var body: some View {
        NavigationStack {
            VStack(spacing: 16) {
                if let picture {
                    Image(uiImage: picture).resizable().scaledToFit()
                } else if !attachment.isImage {
                    FileLabel(attachment: attachment)
                }
                if let failure {
                    Text(verbatim: failure).font(.footnote).foregroundStyle(.red)
                } else if file == nil {
                    ProgressView()
                }
            }
            .frame(maxWidth: .infinity, maxHeight: .infinity)
            .padding()
            .navigationTitle(Text(verbatim: attachment.name))
            .navigationBarTitleDisplayMode(.inline)
            .toolbar {
                ToolbarItem(placement: .cancellationAction) {
                    Button("Close") { dismiss() }
                }
                ToolbarItem(placement: .primaryAction) {
                    if let file {
                        ShareLink(item: file)
                    }
                }
            }
        }
        .task { await load() }
    }

    @MainActor
    private func load() async {
        guard let id = attachment.attachmentId else { return }
        // Offline the medium thumbnail may still be in the SDK's cache, and the download
        // below then says what is wrong.
        if attachment.isImage, let medium = try? await client.thumbnail(attachmentId: id, variant: .medium) {
            picture = await decodedImage(medium, maxPixels: Self.fullPixels)
        }
        do {
            let data = try await client.downloadAttachment(attachmentId: id)
            if attachment.isImage, let whole = await decodedImage(data, maxPixels: Self.fullPixels) {
                picture = whole
            }
            file = try saved(data, id: id)
        } catch {
            failure = describe(error)
        }
    }

    /// `data` as a file named as its sender named it (the share sheet saves and opens
    /// files, and shows their names), in a folder of its own in the temporary folder,
    /// which the system empties.
    private func saved(_ data: Data, id: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(id, isDirectory: true)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The server keeps only a name's last path component: it stays in the folder.
        let url = folder.appendingPathComponent(attachment.name)
        try data.write(to: url)
        return url
    }
}
