//! `GET /v1/openapi.json`: the REST API as an OpenAPI 3.1 document, generated from the
//! handlers' `#[utoipa::path]` annotations and the protocol crate's body types, so that
//! the contract cannot drift from the code. The WebSocket protocol is not REST and is
//! described in docs/protocol.md.

use std::sync::LazyLock;

use axum::http::header;
use axum::response::IntoResponse;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{
    account, admin, attachments, auth, blocks, devices, export, health, invites, messages, metrics,
    moderation, password, password_reset, reports, rich, room_list, rooms, saved, sessions,
    sign_ins, uploads, users,
};

/// The document's paths and the schemas they reach.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "chat-server REST API",
        description = "Accounts, rooms and messages over REST. Real-time chat runs over the \
                       WebSocket at /v1/ws (docs/protocol.md). Every error body is an \
                       `ApiError` with a snake_case `code`.",
        license(name = "MIT OR Apache-2.0"),
    ),
    paths(
        auth::register,
        auth::login,
        sessions::refresh,
        sessions::logout,
        rooms::create,
        room_list::mine,
        room_list::mute,
        room_list::place,
        room_list::mark_unread,
        saved::save,
        saved::unsave,
        saved::list,
        rooms::public,
        rooms::members,
        rooms::add_member,
        moderation::details,
        moderation::update,
        moderation::leave,
        moderation::remove_member,
        moderation::set_role,
        moderation::ban,
        moderation::unban,
        moderation::bans,
        invites::create,
        invites::list,
        invites::revoke,
        invites::preview,
        invites::join,
        blocks::block,
        blocks::unblock,
        blocks::list,
        reports::create,
        devices::register,
        devices::unregister,
        devices::list,
        devices::vapid_public_key,
        account::delete_me,
        password::change_password,
        password_reset::grant,
        password_reset::redeem,
        sign_ins::list,
        sign_ins::end,
        sign_ins::end_others,
        admin::reports,
        admin::deactivate,
        admin::delete_room,
        users::by_name,
        users::me,
        users::update_me,
        export::export,
        users::by_id,
        messages::page,
        messages::send,
        rich::replies,
        rich::pins,
        rich::search,
        uploads::upload,
        attachments::download,
        attachments::thumbnail,
        attachments::links,
        health::healthz,
        health::readyz,
        metrics::render,
    ),
    modifiers(&BearerToken),
    tags(
        (name = "auth", description = "Accounts and access tokens"),
        (name = "rooms", description = "Rooms and their members"),
        (name = "users", description = "Profiles, finding people, and blocking them"),
        (name = "devices", description = "Push devices: where notifications reach a user who is not connected"),
        (name = "reports", description = "Reporting messages and users to the server's admins"),
        (name = "admin", description = "The server admins' API: reports and accounts"),
        (name = "messages", description = "Message pages and sends for bots and integrations"),
        (name = "attachments", description = "Uploading files, and downloading them by token or signed link"),
        (name = "operations", description = "Probes and metrics"),
    )
)]
pub struct ApiDoc;

/// The `bearer` security scheme the authenticated operations name.
struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi
            .components
            .get_or_insert_with(utoipa::openapi::Components::new);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "The access token from register or login (or from the external auth \
                         service the server trusts)",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document, rendered once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| {
    let mut document = ApiDoc::openapi();
    document.info.version = env!("CARGO_PKG_VERSION").to_owned();
    document
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
});

/// `GET /v1/openapi.json`.
pub async fn document() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
}
