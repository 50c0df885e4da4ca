//! The REST API under `/v1`, health endpoints, and the WebSocket route.

mod account;
mod admin;
mod attachments;
mod auth;
mod blocks;
mod cors;
mod devices;
mod export;
mod extract;
mod health;
mod invites;
mod messages;
mod metrics;
mod moderation;
mod openapi;
mod password;
mod password_reset;
mod reports;
mod response;
mod rich;
mod room_list;
mod rooms;
mod saved;
mod serve;
mod sessions;
mod sign_ins;
mod static_files;
mod uploads;
mod users;

pub use serve::{Deadlines, serve, serve_connection};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, delete, get, post, put};
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::Error;
use crate::state::AppState;

/// Every route of the server.
pub fn router(state: AppState) -> Router {
    let body_limit = state.config().max_body_bytes;
    let body_timeout = state.config().http_body_timeout;
    let cors = cors::cors(&state.config().cors_origins);
    let web_root = state.config().web_root.clone();
    let mut router = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .route(chat_protocol::v1::WS_PATH, get(crate::ws::upgrade))
        .route("/v1/openapi.json", get(openapi::document))
        .route("/v1/auth/register", post(auth::register))
        .route("/v1/auth/login", post(auth::login))
        .route("/v1/auth/refresh", post(sessions::refresh))
        .route("/v1/auth/logout", post(sessions::logout))
        .route("/v1/rooms", post(rooms::create).get(room_list::mine))
        .route("/v1/rooms/public", get(rooms::public))
        .route(
            "/v1/rooms/{room_id}/members",
            get(rooms::members).post(rooms::add_member),
        )
        .route("/v1/rooms/{room_id}/mute", put(room_list::mute))
        .route("/v1/rooms/{room_id}/placement", put(room_list::place))
        .route("/v1/rooms/{room_id}/unread", put(room_list::mark_unread))
        .route(
            "/v1/rooms/{room_id}",
            get(moderation::details).patch(moderation::update),
        )
        .route("/v1/rooms/{room_id}/leave", post(moderation::leave))
        .route(
            "/v1/rooms/{room_id}/invites",
            get(invites::list).post(invites::create),
        )
        .route(
            "/v1/rooms/{room_id}/invites/{invite_id}",
            delete(invites::revoke),
        )
        .route("/v1/invites/{code}", get(invites::preview))
        .route("/v1/invites/{code}/join", post(invites::join))
        .route(
            "/v1/rooms/{room_id}/members/{user_id}",
            delete(moderation::remove_member),
        )
        .route(
            "/v1/rooms/{room_id}/members/{user_id}/role",
            put(moderation::set_role),
        )
        .route(
            "/v1/rooms/{room_id}/bans",
            get(moderation::bans).post(moderation::ban),
        )
        .route(
            "/v1/rooms/{room_id}/bans/{user_id}",
            delete(moderation::unban),
        )
        .route("/v1/users/by-name/{username}", get(users::by_name))
        .route("/v1/users/me/export", get(export::export))
        .route(
            "/v1/users/me",
            get(users::me)
                .patch(users::update_me)
                .delete(account::delete_me),
        )
        .route("/v1/admin/reports", get(admin::reports))
        .route("/v1/admin/rooms/{room_id}", delete(admin::delete_room))
        .route(
            "/v1/admin/users/{user_id}/deactivate",
            post(admin::deactivate),
        )
        .route("/v1/users/me/password", post(password::change_password))
        .route("/v1/auth/password-reset", post(password_reset::redeem))
        .route(
            "/v1/admin/users/{user_id}/password-reset",
            post(password_reset::grant),
        )
        .route("/v1/users/me/sign-ins", get(sign_ins::list))
        .route(
            "/v1/users/me/sign-ins/end-others",
            post(sign_ins::end_others),
        )
        .route("/v1/users/me/sign-ins/{sign_in_id}", delete(sign_ins::end))
        .route("/v1/users/me/blocks", get(blocks::list))
        .route(
            "/v1/users/me/blocks/{user_id}",
            put(blocks::block).delete(blocks::unblock),
        )
        .route("/v1/devices", post(devices::register).get(devices::list))
        .route("/v1/devices/{device_id}", delete(devices::unregister))
        .route("/v1/push/vapid-public-key", get(devices::vapid_public_key))
        .route("/v1/reports", post(reports::create))
        .route("/v1/users/{user_id}", get(users::by_id))
        .route(
            "/v1/rooms/{room_id}/messages",
            get(messages::page).post(messages::send),
        )
        .route(
            "/v1/rooms/{room_id}/messages/{message_id}/replies",
            get(rich::replies),
        )
        .route(
            "/v1/rooms/{room_id}/messages/{message_id}/saved",
            put(saved::save).delete(saved::unsave),
        )
        .route("/v1/users/me/saved", get(saved::list))
        .route("/v1/rooms/{room_id}/pins", get(rich::pins))
        .route("/v1/search/messages", get(rich::search))
        .route("/v1/uploads", post(uploads::upload))
        .route(
            "/v1/attachments/{attachment_id}",
            get(attachments::download),
        )
        .route(
            "/v1/attachments/{attachment_id}/thumbnail",
            get(attachments::thumbnail),
        )
        .route(
            "/v1/attachments/{attachment_id}/links",
            get(attachments::links),
        )
        // Unknown API paths answer JSON even when the page is served at `/`.
        .route(
            "/v1/{*path}",
            any(|| async { Error::not_found("no such endpoint") }),
        );
    router = match web_root {
        Some(root) => {
            let files = static_files::StaticFiles::new(&root);
            router.fallback(move |request: axum::extract::Request| files.clone().respond(request))
        }
        None => router.fallback(|| async { Error::not_found("no such endpoint") }),
    };
    if let Some(cors) = cors {
        router = router.layer(cors);
    }
    router
        .layer(DefaultBodyLimit::max(body_limit))
        // A body that stops arriving fails its request instead of holding it open; an
        // upload that keeps making progress is never cut off (the timer restarts on
        // every chunk).
        .layer(RequestBodyTimeoutLayer::new(body_timeout))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
