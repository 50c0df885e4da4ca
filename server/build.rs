//! `sqlx::migrate!` embeds `migrations/` at compile time, and a proc macro cannot watch a
//! directory: without this, a newly added migration would not rebuild the server.

#[allow(clippy::print_stdout)] // how a build script talks to cargo
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
