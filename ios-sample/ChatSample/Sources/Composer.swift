import ChatKit
import PhotosUI
import SwiftUI
import UniformTypeIdentifiers

/// The message field, its attach button (a photo from the library or any file) and its
/// send button. Above them: the message being replied to, with a button to cancel the
/// reply, and while an "@" word is typed at the end of the draft, the members it may
/// name. Picking one completes "@username " and remembers the member; a send passes, as
/// its mentions, the picked members whose "@username" is still in the text. A photo or
/// file is sent at once, with the draft as its caption. `onSend` and `onAttach` return
/// whether the message was stored: only then is the field cleared, so a refused message
/// keeps the user's text.
struct Composer: View {
    let replyingTo: Quote?
    let members: [RoomMember]
    let me: String
    let onCancelReply: () -> Void
    let onDraftChanged: (String) -> Void
    let onSend: (_ text: String, _ mentions: [String]) -> Bool
    let onAttach: (_ attachment: NewAttachment, _ caption: String) -> Bool
    /// A picked photo or file that could not be read.
    let onError: (String) -> Void
    @State private var draft = ""
    /// Username to user id, for each member picked from the suggestions.
    @State private var picked: [String: String] = [:]
    @State private var choosingPhoto = false
    @State private var choosingFile = false
    @State private var photo: PhotosPickerItem?
    /// A picked photo is being loaded (perhaps downloaded from iCloud first).
    @State private var loadingPhoto = false

    var body: some View {
        VStack(spacing: 0) {
            if let replyingTo {
                HStack {
                    VStack(alignment: .leading, spacing: 2) {
                        Text("Replying to").font(.caption2).foregroundStyle(.secondary)
                        ReplyQuote(quote: replyingTo)
                    }
                    Spacer()
                    Button(action: onCancelReply) {
                        Image(systemName: "xmark.circle.fill").foregroundStyle(.secondary)
                    }
                    .buttonStyle(.plain)
                    .accessibilityLabel("Cancel reply")
                }
                .padding(.horizontal, 16)
                .padding(.top, 6)
            }
            if !candidates.isEmpty {
                suggestions
            }
            HStack(alignment: .bottom, spacing: 8) {
                attachButton
                TextField("Message", text: $draft, axis: .vertical)
                    .lineLimit(1...5)
                    .textFieldStyle(.roundedBorder)
                    .onChange(of: draft) { onDraftChanged($0) }
                Button {
                    send()
                } label: {
                    Image(systemName: "paperplane.fill")
                }
                .disabled(draft.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
                .accessibilityLabel("Send")
            }
            .padding(8)
        }
        .photosPicker(isPresented: $choosingPhoto, selection: $photo, matching: .images)
        .onChange(of: photo) { item in
            guard let item else { return }
            photo = nil
            Task { await attachPhoto(item) }
        }
        .fileImporter(isPresented: $choosingFile, allowedContentTypes: [.item]) { result in
            switch result {
            case .success(let url):
                // Outside the app's sandbox: readable only while access is held, which
                // is until the SDK has copied the file.
                let accessing = url.startAccessingSecurityScopedResource()
                defer { if accessing { url.stopAccessingSecurityScopedResource() } }
                attach(.importedFile(url))
            case .failure(let error):
                onError(describe(error))
            }
        }
    }

    @ViewBuilder
    private var attachButton: some View {
        if loadingPhoto {
            ProgressView()
        } else {
            Menu {
                Button { choosingPhoto = true } label: { Label("Photo", systemImage: "photo") }
                Button { choosingFile = true } label: { Label("File", systemImage: "doc") }
            } label: {
                Image(systemName: "paperclip")
            }
            .accessibilityLabel("Attach")
        }
    }

    /// The members the "@" word being typed may name: display name, then "@username".
    private var suggestions: some View {
        VStack(alignment: .leading, spacing: 0) {
            ForEach(candidates, id: \.userId) { member in
                Button {
                    draft = Mentions.complete(draft, with: member.username)
                    picked[member.username] = member.userId
                } label: {
                    HStack(spacing: 6) {
                        Text(verbatim: member.displayName)
                        Text(verbatim: "@\(member.username)").font(.footnote).foregroundStyle(.secondary)
                    }
                    .frame(maxWidth: .infinity, alignment: .leading)
                    .padding(.horizontal, 16)
                    .padding(.vertical, 8)
                    .contentShape(Rectangle())
                }
                .buttonStyle(.plain)
                .accessibilityLabel(Text(verbatim: "Mention \(member.displayName)"))
            }
        }
        .background(Color.secondary.opacity(0.08))
    }

    private var candidates: [RoomMember] {
        guard let prefix = Mentions.prefix(in: draft) else { return [] }
        return Mentions.candidates(members, prefix: prefix, me: me)
    }

    private func send() {
        if onSend(draft, Mentions.mentionedIds(in: draft, picked: picked)) {
            clear()
        }
    }

    @MainActor
    private func attachPhoto(_ item: PhotosPickerItem) async {
        loadingPhoto = true
        defer { loadingPhoto = false }
        do {
            let attachment = try await NewAttachment.loadPhoto(item)
            attach(attachment)
        } catch {
            onError(describe(error))
        }
    }

    private func attach(_ attachment: NewAttachment) {
        if onAttach(attachment, draft) {
            clear()
        }
    }

    private func clear() {
        draft = ""
        picked = [:]
    }
}
