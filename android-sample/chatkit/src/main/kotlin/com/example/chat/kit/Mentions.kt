// @-mention completion for a composer: the "@" word being typed, the members it may
// name, the draft with one of them picked, and at send the picked members the text
// still names. Plain Kotlin, like the rest of chatkit; ChatKit's Mentions.swift is the
// same for the iOS app.
package com.example.chat.kit

import uniffi.chat_protocol.RoomMember

/** An "@" word being typed: the "@" is at [start], [prefix] follows it. */
data class MentionQuery(val start: Int, val prefix: String)

/** A draft with a mention completed, and where the caret goes (after the space). */
data class MentionCompletion(val text: String, val caret: Int)

// "@" at the start or after a space, then the characters of a username.
private val MENTION_BEFORE_CARET = Regex("""(?:^|\s)@([\p{L}\p{N}_.-]*)$""")

/** The "@" word that ends at [caret] in [text], if one is being typed. */
fun mentionAt(text: String, caret: Int = text.length): MentionQuery? {
    val before = text.substring(0, caret.coerceIn(0, text.length))
    val prefix = MENTION_BEFORE_CARET.find(before)?.groupValues?.get(1) ?: return null
    return MentionQuery(start = before.length - prefix.length - 1, prefix = prefix)
}

/**
 * The members other than [me] whose username or display name starts with [prefix]
 * (ignoring case), in the order given, at most [limit].
 */
fun mentionCandidates(members: List<RoomMember>, prefix: String, me: String, limit: Int = 5): List<RoomMember> =
    members.asSequence()
        .filter { it.userId != me }
        .filter { it.username.startsWith(prefix, ignoreCase = true) || it.displayName.startsWith(prefix, ignoreCase = true) }
        .take(limit)
        .toList()

/**
 * [text] with the "@" word of [query] replaced by "@[username] " (the space already
 * there when the text goes on with one), the caret after that space.
 */
fun completeMention(text: String, query: MentionQuery, username: String): MentionCompletion {
    val end = (query.start + 1 + query.prefix.length).coerceAtMost(text.length)
    val rest = text.substring(end)
    val space = if (rest.firstOrNull()?.isWhitespace() == true) "" else " "
    val completed = text.substring(0, query.start) + "@$username" + space + rest
    return MentionCompletion(completed, query.start + username.length + 2)
}

/**
 * The user ids of the members picked while writing [text] ([picked]: username to user
 * id) whose "@username" is still in it: what a send passes as its mentions.
 */
fun mentionedIds(text: String, picked: Map<String, String>): List<String> =
    picked.filterKeys { text.namesMention(it) }.values.distinct()

// "@name" as a word of its own: at the start or after a space, and not followed by
// more of a name ("@ann" is not in "@anna"; it is in "@ann, hi").
private fun String.namesMention(name: String): Boolean {
    val word = "@$name"
    var from = 0
    while (true) {
        val at = indexOf(word, from, ignoreCase = true)
        if (at < 0) return false
        val end = at + word.length
        val startsWord = at == 0 || this[at - 1].isWhitespace()
        val endsWord = end == length || !(this[end].isLetterOrDigit() || this[end] == '_')
        if (startsWord && endsWord) return true
        from = at + 1
    }
}
