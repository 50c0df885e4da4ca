//! The SDK against the real chat-server (in-process, port 0, temp SQLite), through a
//! TCP proxy that can cut or refuse connections. Every wait is bounded.

mod harness;

mod attachments;
mod chat;
mod export;
mod faults;
mod invites;
mod moderation;
mod profiles;
mod push;
mod rich;
mod room_list;
mod rooms;
mod saved;
mod sessions;
mod tls;
