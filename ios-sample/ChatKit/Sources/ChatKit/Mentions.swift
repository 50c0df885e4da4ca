// @-mention completion for a composer: the "@" word being typed, the members it may
// name, the draft with one of them picked, and at send the picked members the text
// still names. The same rules as Mentions.kt in android-sample/chatkit.

import Foundation

public enum Mentions {
    /// What follows the "@" of the word being typed at the end of `text` ("hi @an" →
    /// "an"; "" right after the "@"), or nil when no "@" word is being typed. (A SwiftUI
    /// text field does not tell where the caret is: the end of the draft stands for it.)
    public static func prefix(in text: String) -> String? {
        atSign(in: text).map { String(text[text.index(after: $0)...]) }
    }

    /// The members other than `me` whose username or display name starts with
    /// `prefix` (ignoring case), in the order given, at most `limit`.
    public static func candidates(_ members: [RoomMember], prefix: String, me: String, limit: Int = 5) -> [RoomMember] {
        let prefix = prefix.lowercased()
        let matching = members.filter {
            $0.userId != me
                && ($0.username.lowercased().hasPrefix(prefix) || $0.displayName.lowercased().hasPrefix(prefix))
        }
        return Array(matching.prefix(limit))
    }

    /// `text` with the "@" word at its end completed to "@username " (unchanged when
    /// there is none).
    public static func complete(_ text: String, with username: String) -> String {
        guard let at = atSign(in: text) else { return text }
        return String(text[..<at]) + "@\(username) "
    }

    /// The user ids of the members picked while writing `text` (`picked`: username to
    /// user id) whose "@username" is still in it: what a send passes as its mentions.
    public static func mentionedIds(in text: String, picked: [String: String]) -> [String] {
        let ids = picked.filter { names(text, $0.key) }.map { $0.value }
        return Array(Set(ids)).sorted()
    }

    /// The "@" that starts the word at the end of `text`: at the start or after a space,
    /// followed only by characters a username may have.
    private static func atSign(in text: String) -> String.Index? {
        var index = text.endIndex
        while index > text.startIndex {
            let previous = text.index(before: index)
            let character = text[previous]
            if character == "@" {
                let startsWord = previous == text.startIndex || text[text.index(before: previous)].isWhitespace
                return startsWord ? previous : nil
            }
            guard character.isLetter || character.isNumber || "_.-".contains(character) else { return nil }
            index = previous
        }
        return nil
    }

    /// Whether `text` has "@name" as a word of its own: at the start or after a space,
    /// and not followed by more of a name ("@ann" is not in "@anna"; it is in "@ann, hi").
    private static func names(_ text: String, _ name: String) -> Bool {
        let word = "@" + name
        var searched = text.startIndex..<text.endIndex
        while let found = text.range(of: word, options: .caseInsensitive, range: searched) {
            let startsWord = found.lowerBound == text.startIndex
                || text[text.index(before: found.lowerBound)].isWhitespace
            let endsWord = found.upperBound == text.endIndex
                || !(text[found.upperBound].isLetter || text[found.upperBound].isNumber || text[found.upperBound] == "_")
            if startsWord && endsWord {
                return true
            }
            searched = text.index(after: found.lowerBound)..<text.endIndex
        }
        return false
    }
}
