//! Typed ids: a room id, a user id and a message id are different things, and the type
//! says which one a field holds. On the wire each is the plain JSON string it always
//! was (`serde(transparent)`); in Kotlin, Swift and TypeScript each is a string too.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

/// Declares one id type; the three differ only in name and meaning.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String))]
        #[cfg_attr(feature = "tsify", derive(tsify::Tsify))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id's text, without copying it.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Maps keyed by the id can be searched with a `&str`.
        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                Self(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                Self(id.to_owned())
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                Self(id.clone())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for str {
            fn eq(&self, other: &$name) -> bool {
                self == other.0
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }
    };
}

// Kotlin and Swift see each id as a `String`.
#[cfg(feature = "uniffi")]
uniffi::custom_newtype!(RoomId, String);
#[cfg(feature = "uniffi")]
uniffi::custom_newtype!(UserId, String);
#[cfg(feature = "uniffi")]
uniffi::custom_newtype!(MessageId, String);
#[cfg(feature = "uniffi")]
uniffi::custom_newtype!(AttachmentId, String);

id_type!(
    /// A room's id, chosen by the server when the room is created.
    RoomId
);

id_type!(
    /// A user's id: the `sub` of their tokens.
    UserId
);

id_type!(
    /// A message's id, chosen by the server when the message is committed (a UUIDv7).
    MessageId
);

id_type!(
    /// An uploaded file's id, chosen by the server when the upload completes (a UUIDv7).
    AttachmentId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_plain_strings_on_the_wire() {
        let id = RoomId::from("room-1");
        assert_eq!(serde_json::to_string(&id).unwrap(), r#""room-1""#);
        let back: RoomId = serde_json::from_str(r#""room-1""#).unwrap();
        assert_eq!(back, id);
        assert_eq!(back, "room-1");
        assert_eq!(back.len(), 6);
    }
}
