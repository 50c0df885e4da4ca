//! Several chat-server processes on one PostgreSQL and one Redis, started and stopped
//! (by PID) here: real processes, real databases, loopback only.
//!
//! They need PostgreSQL (`CHAT_TEST_STORE=postgres` under `pg_virtualenv`) and
//! `redis-server`, so they are ignored in the plain test run and run by
//! `scripts/cluster-test.sh` (part of the suite) with `--run-ignored all`.

#[allow(dead_code)]
#[path = "../integration/common.rs"]
mod common;

mod harness;
#[allow(dead_code)]
#[path = "../push_endpoints/mod.rs"]
mod push_endpoints;

mod attachments;
mod chat;
mod export;
mod faults;
mod moderation;
mod presence;
mod push;
mod rich;
mod room_list;
mod saved;
mod sessions;
