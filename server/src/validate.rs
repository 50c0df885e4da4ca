//! Input checks shared by the REST and WebSocket handlers.

use chat_protocol::v1::{
    MAX_DEVICE_NAME_CHARS, MAX_DISPLAY_NAME_CHARS, MAX_ID_LEN, MAX_ROOM_NAME_CHARS,
};

use crate::error::{Error, Result};

/// An id from a client (room, message, user): non-empty and at most [`MAX_ID_LEN`] bytes.
///
/// # Errors
///
/// `invalid_request` naming the field.
pub fn id(field: &str, value: &str) -> Result<()> {
    if value.is_empty() || value.len() > MAX_ID_LEN {
        return Err(Error::invalid(format!(
            "{field} must be 1 to {MAX_ID_LEN} bytes"
        )));
    }
    Ok(())
}

/// A client message id: a UUID, as the idempotency contract requires. Returns its
/// canonical spelling (lowercase, hyphenated), so that one UUID written two ways
/// (Swift's uppercase `uuidString`, say) is still one message.
///
/// # Errors
///
/// `invalid_request`.
pub fn client_msg_id(value: &str) -> Result<String> {
    uuid::Uuid::parse_str(value)
        .map(|id| id.hyphenated().to_string())
        .map_err(|_| Error::invalid("client_msg_id must be a UUID generated once per message"))
}

/// Message content: not empty, at most `max_chars` characters. Stored verbatim.
///
/// # Errors
///
/// `invalid_request` when empty, `too_large` when too long.
pub fn content(value: &str, max_chars: usize) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid("content must not be empty"));
    }
    caption(value, max_chars)
}

/// The text of a message with attachments: as [`content`], but it may be empty.
///
/// # Errors
///
/// `invalid_request` for a NUL, `too_large` when too long.
pub fn caption(value: &str, max_chars: usize) -> Result<()> {
    no_nul("content", value)?;
    if value.chars().count() > max_chars {
        return Err(Error::too_large(format!(
            "content is longer than {max_chars} characters"
        )));
    }
    Ok(())
}

/// Text without U+0000, which PostgreSQL cannot store in a text column: refused the
/// same way whichever store runs.
///
/// # Errors
///
/// `invalid_request`.
pub fn no_nul(field: &str, value: &str) -> Result<()> {
    if value.contains('\0') {
        return Err(Error::invalid(format!(
            "{field} must not contain NUL (U+0000) characters"
        )));
    }
    Ok(())
}

/// A username: 3–32 of letters, digits, `_`, `-`, `.`.
///
/// # Errors
///
/// `invalid_request`.
pub fn username(value: &str) -> Result<()> {
    let ok_len = (3..=32).contains(&value.chars().count());
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c));
    if ok_len && ok_chars {
        Ok(())
    } else {
        Err(Error::invalid(
            "username must be 3-32 letters, digits, '_', '-' or '.'",
        ))
    }
}

/// A password: 8–256 characters.
///
/// # Errors
///
/// `invalid_request`.
pub fn password(value: &str) -> Result<()> {
    if (8..=256).contains(&value.chars().count()) {
        Ok(())
    } else {
        Err(Error::invalid("password must be 8-256 characters"))
    }
}

/// A seq from a client: at most 2^63 - 1, the largest the stores can hold (they keep
/// seqs as signed 64-bit integers).
///
/// # Errors
///
/// `invalid_request` naming the field.
pub fn seq(field: &str, value: u64) -> Result<()> {
    if i64::try_from(value).is_err() {
        return Err(Error::invalid(format!(
            "{field} must be at most {}",
            i64::MAX
        )));
    }
    Ok(())
}

/// A sign-in's device name, if given: 1–[`MAX_DEVICE_NAME_CHARS`] characters once
/// trimmed, no control characters (it is shown in a list, as a display name is).
/// Returns it trimmed.
///
/// # Errors
///
/// `invalid_request`.
pub fn device_name(value: Option<&str>) -> Result<Option<String>> {
    value
        .map(|value| shown_name("device_name", value, MAX_DEVICE_NAME_CHARS))
        .transpose()
}

/// A display name: 1–[`MAX_DISPLAY_NAME_CHARS`] characters once trimmed, no control
/// characters (which would let a name break a line or hide text in a list). Returns it
/// trimmed.
///
/// # Errors
///
/// `invalid_request`.
pub fn display_name(value: &str) -> Result<String> {
    shown_name("display_name", value, MAX_DISPLAY_NAME_CHARS)
}

/// A name other people or devices read in a list: 1–`max` characters once trimmed, no
/// control characters. Returns it trimmed.
fn shown_name(field: &str, value: &str, max: usize) -> Result<String> {
    let name = value.trim();
    let length = name.chars().count();
    if length == 0 || length > max {
        return Err(Error::invalid(format!(
            "{field} must be 1-{max} characters once trimmed"
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(format!(
            "{field} must not contain control characters"
        )));
    }
    Ok(name.to_owned())
}

/// A room name: 1–[`MAX_ROOM_NAME_CHARS`] characters once trimmed, no NUL. Returns it
/// trimmed.
///
/// # Errors
///
/// `invalid_request`.
pub fn room_name(value: &str) -> Result<String> {
    let name = value.trim();
    let length = name.chars().count();
    if length == 0 || length > MAX_ROOM_NAME_CHARS {
        return Err(Error::invalid(format!(
            "room name must be 1-{MAX_ROOM_NAME_CHARS} characters"
        )));
    }
    no_nul("room name", name)?;
    Ok(name.to_owned())
}

/// Free text of at most `max` characters (a topic, a reason), no NUL; may be empty.
/// Returns it trimmed.
///
/// # Errors
///
/// `invalid_request` naming the field.
pub fn short_text(field: &str, value: &str, max: usize) -> Result<String> {
    let text = value.trim();
    if text.chars().count() > max {
        return Err(Error::invalid(format!(
            "{field} must be at most {max} characters"
        )));
    }
    no_nul(field, text)?;
    Ok(text.to_owned())
}

/// A page size: 1 ..= max.
///
/// # Errors
///
/// `invalid_request`.
pub fn limit(value: u32, max: u32) -> Result<u32> {
    if (1..=max).contains(&value) {
        Ok(value)
    } else {
        Err(Error::invalid(format!("limit must be between 1 and {max}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_rules() {
        assert!(content("hi", 4).is_ok());
        assert!(content("  ", 4).is_err());
        assert_eq!(
            content("héllo", 4).unwrap_err().code,
            chat_protocol::v1::ErrorCode::TooLarge
        );
        assert!(
            content("héll", 4).is_ok(),
            "limits count characters, not bytes"
        );
        assert!(content("a\u{0}b", 4).is_err());
    }

    #[test]
    fn username_rules() {
        assert!(username("ann_1.x").is_ok());
        assert!(username("an").is_err());
        assert!(username("robert'); DROP TABLE users;--").is_err());
    }

    #[test]
    fn display_name_rules() {
        assert_eq!(display_name("  Ann Smith ").unwrap(), "Ann Smith");
        assert_eq!(display_name(&"é".repeat(64)).unwrap().chars().count(), 64);
        for bad in [
            "",
            "   ",
            "Ann\nSmith",
            "tab\there",
            "bell\u{7}",
            "zero\u{0}",
        ] {
            assert!(display_name(bad).is_err(), "{bad:?}");
        }
        assert!(display_name(&"é".repeat(65)).is_err(), "65 characters");
    }

    #[test]
    fn room_names_and_short_texts() {
        assert_eq!(room_name("  Team  ").unwrap(), "Team");
        assert!(room_name(" ").is_err());
        assert!(room_name(&"x".repeat(101)).is_err());
        assert!(room_name("a\u{0}b").is_err());
        assert_eq!(short_text("topic", "  news ", 500).unwrap(), "news");
        assert_eq!(short_text("topic", "", 500).unwrap(), "");
        assert!(short_text("topic", &"é".repeat(501), 500).is_err());
        assert!(short_text("reason", "a\u{0}", 500).is_err());
    }

    #[test]
    fn client_ids_must_be_uuids() {
        assert_eq!(
            client_msg_id("6F1C2D3E-4A5B-4C6D-8E7F-901A2B3C4D5E").unwrap(),
            "6f1c2d3e-4a5b-4c6d-8e7f-901a2b3c4d5e"
        );
        assert!(client_msg_id("1").is_err());
    }
}
