//! Integration tests: the real server on 127.0.0.1:0 over real WebSockets and HTTP.
//! One binary, one module per feature.

mod common;
#[path = "../push_endpoints/mod.rs"]
mod push_endpoints;

mod accounts;
mod attachments;
mod avatars;
mod bad_input;
mod binary;
mod chat;
mod devices;
mod edits;
mod events;
mod export;
mod invites;
mod limits;
mod metrics;
mod moderation;
mod notifications;
mod password_reset;
mod pipelining;
mod placement;
mod push;
mod receipts;
mod renewal;
mod rest;
mod restart;
mod resume;
mod rich;
mod room_list;
mod safety;
mod saved;
mod sessions;
mod sign_ins;
mod slow_clients;
mod tokens;
mod typing_presence;
mod unread_mark;
mod web;
