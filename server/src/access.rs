//! Who is calling and what they may do: tokens resolve to users, and membership is
//! checked on every room operation.

use chat_protocol::v1::RoomVisibility;

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::{Account, AccountStatus, Circle, MembershipAction, RoomRecord, RoomWithMembers};
use crate::validate;

/// Loads a room the user is a member of.
///
/// # Errors
///
/// `not_found` for an unknown room, `forbidden` for a non-member.
pub async fn member_room(state: &AppState, room_id: &str, user_id: &str) -> Result<RoomRecord> {
    let (room, is_member) = room_for(state, room_id, user_id).await?;
    if !is_member {
        return Err(Error::forbidden("you are not a member of this room"));
    }
    Ok(room)
}

/// A room by a client-supplied id, and whether the user is a member.
///
/// # Errors
///
/// `invalid_request` for a malformed id, `not_found` for an unknown room.
async fn room_for(state: &AppState, room_id: &str, user_id: &str) -> Result<(RoomRecord, bool)> {
    validate::id("room_id", room_id)?;
    state
        .store()
        .room_for(room_id, user_id)
        .await?
        .ok_or_else(|| Error::not_found("no such room"))
}

/// A room the user may join, and whether they still have to become a member, with the
/// room's member ids and receipts, in one read: what a WebSocket join needs.
///
/// # Errors
///
/// `not_found` for an unknown room, `forbidden` for a private or direct room the user
/// is not a member of.
pub async fn joinable_room_with_members(
    state: &AppState,
    room_id: &str,
    user_id: &str,
) -> Result<(RoomWithMembers, bool)> {
    validate::id("room_id", room_id)?;
    let view = state
        .store()
        .room_with_members(room_id)
        .await?
        .ok_or_else(|| Error::not_found("no such room"))?;
    let must_join = must_join(&view.room, view.has_member(user_id))?;
    Ok((view, must_join))
}

/// Whether a user who may join `room` still has to become a member.
fn must_join(room: &RoomRecord, is_member: bool) -> Result<bool> {
    if is_member {
        return Ok(false);
    }
    if room.visibility != RoomVisibility::Public {
        return Err(Error::forbidden(
            "this room is private; a member must add you first",
        ));
    }
    Ok(true)
}

/// Makes the user a member of a room [`joinable_room_with_members`] allowed (unless they are banned
/// from it).
///
/// # Errors
///
/// `forbidden` for a banned user; `internal` if the store fails.
pub async fn become_member(state: &AppState, room_id: &str, user_id: &str) -> Result<()> {
    let join = MembershipAction::Add {
        user_id: user_id.to_owned(),
    };
    crate::moderation::change(state, room_id, user_id, join).await?;
    Ok(())
}

/// Who a valid access token names, and until when.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user id (`sub`).
    pub user_id: String,
    /// Token expiry, seconds since the epoch (`exp`).
    pub expires_at: u64,
    /// When the token was issued, seconds since the epoch (`iat`; 0 when absent).
    pub issued_at: u64,
    /// The sign-in of a token this server minted (`sign_in`); `None` for an external
    /// auth service's.
    pub sign_in: Option<String>,
}

impl Caller {
    /// The sign-in as the hub compares it; `None` also for a claim that is no UUID (no
    /// sign-in of this server's has such an id).
    pub fn sign_in_id(&self) -> Option<uuid::Uuid> {
        self.sign_in
            .as_deref()
            .and_then(|id| uuid::Uuid::parse_str(id).ok())
    }

    fn of(claims: crate::auth::Claims) -> Self {
        Self {
            user_id: claims.sub,
            expires_at: claims.exp,
            issued_at: claims.iat,
            sign_in: claims.sign_in,
        }
    }
}

/// A short fingerprint of a token (the first 8 bytes of its SHA-256), to tell one token
/// from another of the same user without keeping it: a password change keeps the
/// connections on the token it was made with. Taken where that matters (a connection's
/// token, a password change's), not on every request.
pub fn token_tag(token: &str) -> u64 {
    use sha2::Digest as _;
    let digest = sha2::Sha256::digest(token.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_le_bytes(first)
}

/// Resolves an access token to its user. Users of an external issuer are provisioned on
/// first use; a token minted by this server must name an existing user.
///
/// # Errors
///
/// `unauthorized` for an invalid token or unknown user; `internal` if the store fails.
pub async fn authenticated_user(state: &AppState, token: &str) -> Result<Caller> {
    let claims = verified(state, token)?;
    let sign_in = claims.sign_in.as_deref();
    match state.store().account(&claims.sub, sign_in).await? {
        Some(Account {
            status: AccountStatus::Active,
            signed_out_before,
            sign_in_ended,
        }) => {
            not_signed_out(&claims, signed_out_before)?;
            sign_in_goes_on(sign_in_ended)?;
        }
        Some(_) => {
            crate::telemetry::auth_failure("closed_account");
            return Err(Error::unauthorized(
                "this account was deactivated or deleted",
            ));
        }
        None => provision_unknown_user(state, &claims.sub).await?,
    }
    Ok(Caller::of(claims))
}

/// [`authenticated_user`] with their rooms and the users who share a room with them
/// (for the room list and presence), in one read: what a WebSocket connection needs
/// before it enters the hub.
///
/// # Errors
///
/// As [`authenticated_user`].
pub async fn authenticated_user_with_circle(
    state: &AppState,
    token: &str,
) -> Result<(Caller, Circle)> {
    let claims = verified(state, token)?;
    // A token of this server's names its sign-in, looked up in the circle's statement.
    let sign_in = claims.sign_in.as_deref();
    let circle = match state
        .store()
        .known_user_circle_in(&claims.sub, sign_in)
        .await?
    {
        Some(circle) if circle.closed => {
            crate::telemetry::auth_failure("closed_account");
            return Err(Error::unauthorized(
                "this account was deactivated or deleted",
            ));
        }
        Some(circle) => {
            not_signed_out(&claims, circle.signed_out_before)?;
            sign_in_goes_on(sign_in.is_some() && !circle.sign_in_found)?;
            circle
        }
        None => {
            // A user provisioned now is in no room yet.
            provision_unknown_user(state, &claims.sub).await?;
            Circle::default()
        }
    };
    Ok((Caller::of(claims), circle))
}

/// Refuses a token whose sign-in ended (signed out, or ended from another device).
fn sign_in_goes_on(sign_in_ended: bool) -> Result<()> {
    if sign_in_ended {
        crate::telemetry::auth_failure("sign_in_ended");
        return Err(Error::unauthorized(
            "this token's sign-in was ended (signed out, or ended from another device); \
             sign in again",
        ));
    }
    Ok(())
}

/// Refuses a token issued before the second of the user's last password change
/// (`signed_out_before`, ms): the change signed every sign-in out. Tokens minted in that
/// second, the changing device's new one among them, stay valid.
fn not_signed_out(claims: &crate::auth::Claims, signed_out_before: Option<i64>) -> Result<()> {
    let cutoff = signed_out_before.map(|ms| ms.div_euclid(1000));
    if cutoff.is_some_and(|cutoff| i64::try_from(claims.iat).unwrap_or(i64::MAX) < cutoff) {
        crate::telemetry::auth_failure("signed_out");
        return Err(Error::unauthorized(
            "this token was issued before the account's password was changed; sign in again",
        ));
    }
    Ok(())
}

fn verified(state: &AppState, token: &str) -> Result<crate::auth::Claims> {
    state.tokens().verify(token).inspect_err(|_| {
        crate::telemetry::auth_failure("invalid_token");
    })
}

/// A valid token names a user this database does not hold: provisioned if the token
/// comes from an external issuer, refused if this server minted it.
async fn provision_unknown_user(state: &AppState, user_id: &str) -> Result<()> {
    if !state.tokens().has_external_issuer() {
        crate::telemetry::auth_failure("unknown_user");
        return Err(Error::unauthorized("the token's user does not exist"));
    }
    provision_external_user(state, user_id).await
}

/// Attempts at a free name for an external user before giving up (each after the first
/// carries a random suffix, so a second attempt almost always succeeds).
const EXTERNAL_NAME_ATTEMPTS: usize = 4;

/// Creates the row of an external issuer's user on first use. The user is named
/// `external:<sub>`; names are unique regardless of case while subjects are not
/// (`Ann` and `ann` are two users), so a name that is taken gets a random suffix instead
/// of locking the second user out.
///
/// # Errors
///
/// `internal` if the store fails or no free name was found.
async fn provision_external_user(state: &AppState, subject: &str) -> Result<()> {
    for attempt in 0..EXTERNAL_NAME_ATTEMPTS {
        let name = if attempt == 0 {
            format!("external:{subject}")
        } else {
            format!("external:{subject}~{:08x}", rand::random::<u32>())
        };
        if state
            .store()
            .ensure_external_user(subject, &name, now_ms())
            .await?
        {
            return Ok(());
        }
    }
    Err(Error::internal(
        "provisioning an external user",
        &format!("no free name for subject {subject:?}"),
    ))
}

/// Whether the user of a verified `token` is a server admin: named by `--admin-user`,
/// or carrying `--admin-claim` as `true` in the token.
///
/// # Errors
///
/// `unauthorized` for an invalid token; `internal` if the store fails.
pub async fn is_server_admin(state: &AppState, token: &str, user_id: &str) -> Result<bool> {
    let config = state.config();
    let claims = verified(state, token)?;
    if claims.other.get(&config.admin_claim) == Some(&serde_json::Value::Bool(true)) {
        return Ok(true);
    }
    if config.admin_users.is_empty() {
        return Ok(false);
    }
    let Some(profile) = state.store().user_profile(user_id).await? else {
        return Ok(false);
    };
    Ok(config
        .admin_users
        .iter()
        .any(|name| name.eq_ignore_ascii_case(&profile.username)))
}
