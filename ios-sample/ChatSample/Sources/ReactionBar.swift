import ChatKit
import SwiftUI

/// The emoji a message's menu offers with one tap.
let quickReactions = ["👍", "❤️", "😂", "🎉", "😮", "😢"]

/// The reactions under a message: one chip per emoji with its count, highlighted when
/// the user is among those who reacted. A tap adds the user's own, or takes it back.
struct ReactionBar: View {
    let reactions: [MessageReaction]
    let onToggle: (MessageReaction) -> Void

    var body: some View {
        if !reactions.isEmpty {
            HStack(spacing: 4) {
                ForEach(reactions, id: \.emoji) { reaction in
                    Button {
                        onToggle(reaction)
                    } label: {
                        Text(verbatim: "\(reaction.emoji) \(reaction.count)")
                            .font(.caption)
                            .padding(.horizontal, 8)
                            .padding(.vertical, 3)
                            .background(
                                Capsule().fill(reaction.mine ? Color.accentColor.opacity(0.25) : Color.secondary.opacity(0.12)))
                            .overlay(Capsule().strokeBorder(reaction.mine ? Color.accentColor : Color.clear))
                    }
                    .buttonStyle(.plain)
                    .accessibilityLabel(Text(verbatim: "\(reaction.emoji) \(reaction.count)"))
                    .accessibilityAddTraits(reaction.mine ? .isSelected : [])
                }
            }
        }
    }
}
