//! Who is calling: password hashing, JWT minting and verification.

mod hashing;
mod jwt;
mod password;
pub mod refresh;
pub mod refresh_purge;
mod secret;

pub use hashing::HashingPool;
pub use jwt::{Claims, TokenService};
pub use password::{hash_password, verify_password};
pub use secret::load_or_create_secret;
