//! The scenarios, one per file.

pub mod fanout;
pub mod idle;
pub mod storm;
