//! The scenarios, one per module.

pub mod chaos;
pub mod fanout;
pub mod idle;
pub mod room_list;
pub mod storm;
pub mod uploads;
