//! What a reaction may be: one emoji (a single grapheme cluster, however many code
//! points it is built from: skin tones, ZWJ families, flags, keycaps) or a
//! `:shortcode:` for custom emoji. Shared by the server, which refuses anything else,
//! and the SDK, which refuses it before queueing the reaction offline.

use unicode_properties::emoji::{EmojiStatus, UnicodeEmoji as _};
use unicode_segmentation::UnicodeSegmentation as _;

use super::limits::MAX_REACTION_BYTES;

/// Why a reaction's emoji was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmojiError {
    /// Empty, or longer than [`MAX_REACTION_BYTES`].
    Length,
    /// Not one emoji and not a `:shortcode:`.
    NotAnEmoji,
}

impl std::fmt::Display for EmojiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Length => write!(f, "emoji must be 1 to {MAX_REACTION_BYTES} bytes of UTF-8"),
            Self::NotAnEmoji => f.write_str(
                "emoji must be one emoji or a :shortcode: of 1-30 lowercase letters, digits, \
                 '_', '+' or '-'",
            ),
        }
    }
}

impl std::error::Error for EmojiError {}

/// Checks that `emoji` may be used as a reaction.
///
/// # Errors
///
/// [`EmojiError`] says why not.
pub fn check_reaction_emoji(emoji: &str) -> Result<(), EmojiError> {
    if emoji.is_empty() || emoji.len() > MAX_REACTION_BYTES {
        return Err(EmojiError::Length);
    }
    if is_shortcode(emoji) || is_one_emoji(emoji) {
        Ok(())
    } else {
        Err(EmojiError::NotAnEmoji)
    }
}

/// `:name:` with a name of 1–30 of `a-z 0-9 _ + -`.
fn is_shortcode(text: &str) -> bool {
    let Some(name) = text
        .strip_prefix(':')
        .and_then(|rest| rest.strip_suffix(':'))
    else {
        return false;
    };
    (1..=30).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"_+-".contains(&b))
}

/// One grapheme cluster made only of emoji characters, emoji components and the
/// joiners and selectors of emoji sequences, that shows as an emoji: its first
/// character has emoji presentation, or the sequence asks for it (U+FE0F, a keycap, a
/// joiner). A lone digit or `#` is an emoji character by Unicode's tables but reads as
/// text, so it is not enough.
fn is_one_emoji(text: &str) -> bool {
    let mut graphemes = text.graphemes(true);
    if graphemes.next().is_none() || graphemes.next().is_some() {
        return false;
    }
    let mut chars = text.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    if !first.is_emoji_char() {
        return false;
    }
    let mut asks_for_emoji = has_emoji_presentation(first);
    for c in chars {
        match c {
            '\u{FE0F}' | '\u{20E3}' | '\u{200D}' => asks_for_emoji = true,
            // Tags spell a subdivision flag after U+1F3F4.
            '\u{E0020}'..='\u{E007F}' => {}
            c if c.is_emoji_char() || c.is_emoji_component() => {}
            _ => return false,
        }
    }
    asks_for_emoji
}

fn has_emoji_presentation(c: char) -> bool {
    matches!(
        c.emoji_status(),
        EmojiStatus::EmojiPresentation
            | EmojiStatus::EmojiPresentationAndModifierBase
            | EmojiStatus::EmojiPresentationAndEmojiComponent
            | EmojiStatus::EmojiPresentationAndModifierAndEmojiComponent
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_emoji_of_every_shape_are_reactions() {
        for emoji in [
            "👍",
            "👍🏽",
            "❤️",
            "👨‍👩‍👧‍👦",
            "🇫🇷",
            "1️⃣",
            "🏴\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}",
            ":party_parrot:",
            ":+1:",
        ] {
            assert_eq!(check_reaction_emoji(emoji), Ok(()), "{emoji:?}");
        }
    }

    #[test]
    fn text_and_several_emoji_are_not() {
        for text in [
            "a", "1", "#", "ok", "👍👍", "👍 ", " 👍", ":Bad:", "::", ":a b:", "<b>",
        ] {
            assert_eq!(
                check_reaction_emoji(text),
                Err(EmojiError::NotAnEmoji),
                "{text:?}"
            );
        }
    }

    #[test]
    fn length_is_checked_in_bytes() {
        assert_eq!(check_reaction_emoji(""), Err(EmojiError::Length));
        let long = format!(":{}:", "a".repeat(31));
        assert_eq!(check_reaction_emoji(&long), Err(EmojiError::Length));
        assert_eq!(
            check_reaction_emoji(&format!(":{}:", "a".repeat(30))),
            Ok(())
        );
    }
}
