//! How a search query becomes words: the same rules on the server (SQLite FTS5,
//! PostgreSQL full text) and in the SDK's local search, so that a query finds the same
//! messages offline and online.
//!
//! A query is words, never a query language: everything that is not a letter, a digit
//! or a combining mark (part of a letter in many scripts) separates words, so quotes, `*`, `-`, `:`, parentheses and `AND`/`OR`/`NEAR` are
//! plain text and cannot change what is matched. Each word matches words that start
//! with it (search as you type), and a message must match every word.

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory as _};

use super::limits::{MAX_SEARCH_QUERY_CHARS, MAX_SEARCH_WORDS};

/// Why a search query was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchQueryError {
    /// No letters or digits at all.
    NoWords,
    /// Longer than [`MAX_SEARCH_QUERY_CHARS`].
    TooLong,
    /// More than [`MAX_SEARCH_WORDS`] words.
    TooManyWords,
}

impl std::fmt::Display for SearchQueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoWords => f.write_str("q must contain at least one letter or digit"),
            Self::TooLong => write!(f, "q must be at most {MAX_SEARCH_QUERY_CHARS} characters"),
            Self::TooManyWords => write!(f, "q must have at most {MAX_SEARCH_WORDS} words"),
        }
    }
}

impl std::error::Error for SearchQueryError {}

/// The words of `query`, lowercased, in order, without repeats.
///
/// # Errors
///
/// [`SearchQueryError`] when the query is empty of words, too long, or has too many.
pub fn search_words(query: &str) -> Result<Vec<String>, SearchQueryError> {
    if query.chars().count() > MAX_SEARCH_QUERY_CHARS {
        return Err(SearchQueryError::TooLong);
    }
    let mut words: Vec<String> = Vec::new();
    for word in query.split(|c: char| !is_word_char(c)) {
        if word.is_empty() {
            continue;
        }
        let word = word.to_lowercase();
        if !words.contains(&word) {
            words.push(word);
        }
    }
    if words.is_empty() {
        return Err(SearchQueryError::NoWords);
    }
    if words.len() > MAX_SEARCH_WORDS {
        return Err(SearchQueryError::TooManyWords);
    }
    Ok(words)
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c.general_category_group() == GeneralCategoryGroup::Mark
}

/// The FTS5 `MATCH` expression of `words`: each a quoted prefix, all required.
pub fn fts5_match(words: &[String]) -> String {
    // Words hold only letters and digits, so the quotes need no escaping.
    words
        .iter()
        .map(|word| format!("\"{word}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn punctuation_and_operators_are_plain_separators() {
        assert_eq!(
            search_words("\"Hello\" AND wor*ld (NEAR) -x:y").unwrap(),
            ["hello", "and", "wor", "ld", "near", "x", "y"]
        );
        assert_eq!(search_words("Café café 42").unwrap(), ["café", "42"]);
        // The vowel sign is a mark: one word, not two.
        assert_eq!(search_words("हिन्दी").unwrap(), ["हिन्दी"]);
        assert_eq!(
            fts5_match(&search_words("hi there").unwrap()),
            "\"hi\"* \"there\"*"
        );
    }

    #[test]
    fn empty_long_and_wordy_queries_are_refused() {
        assert_eq!(search_words(""), Err(SearchQueryError::NoWords));
        assert_eq!(search_words("\"*():^"), Err(SearchQueryError::NoWords));
        let long = "a".repeat(MAX_SEARCH_QUERY_CHARS + 1);
        assert_eq!(search_words(&long), Err(SearchQueryError::TooLong));
        let wordy = (0..=MAX_SEARCH_WORDS)
            .map(|i| format!("w{i} "))
            .collect::<String>();
        assert_eq!(search_words(&wordy), Err(SearchQueryError::TooManyWords));
    }
}
