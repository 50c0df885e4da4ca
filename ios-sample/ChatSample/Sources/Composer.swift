import ChatKit
import SwiftUI

/// The message field and its send button. Above them: the message being replied to,
/// with a button to cancel the reply, and while an "@" word is typed at the end of the
/// draft, the members it may name. Picking one completes "@username " and remembers the
/// member; a send passes, as its mentions, the picked members whose "@username" is
/// still in the text. `onSend` returns whether the message was stored: only then is the
/// field cleared, so a refused message keeps the user's text.
struct Composer: View {
    let replyingTo: Quote?
    let members: [RoomMember]
    let me: String
    let onCancelReply: () -> Void
    let onDraftChanged: (String) -> Void
    let onSend: (_ text: String, _ mentions: [String]) -> Bool
    @State private var draft = ""
    /// Username to user id, for each member picked from the suggestions.
    @State private var picked: [String: String] = [:]

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
            draft = ""
            picked = [:]
        }
    }
}
