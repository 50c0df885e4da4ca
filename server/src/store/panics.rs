//! What the store's own threads log when a bug panics inside a write or a read: they
//! catch the panic, fail only the work that raised it, and go on (`group_commit`,
//! `sqlite::readers`).

/// The text a panic was raised with (`panic!` with a literal or a formatted message).
pub(super) fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(not a string)")
}
