//! `POST /v1/uploads`: a file, streamed in the request body, stored for sending with a
//! message.

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use chat_protocol::v1::{ApiError, Attachment};
use serde::Deserialize;

use super::extract::{ApiQuery, AuthUser};
use crate::attachments::MAX_NAME_CHARS;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::validate;

/// Query of `POST /v1/uploads`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// The file's name as the recipients will see it (at most 255 characters; a path
    /// is cut to its last part). Default: `file`.
    #[param(max_length = 255)]
    filename: Option<String>,
}

/// `POST /v1/uploads?filename=`: the body is the file.
#[utoipa::path(
    post,
    path = "/v1/uploads",
    tag = "attachments",
    params(UploadQuery),
    request_body(
        description = "The file's bytes. `Content-Type` is checked against them: images \
                       (JPEG, PNG, WebP, GIF) must be declared as what they are or as \
                       `application/octet-stream`; anything else is stored as \
                       `application/octet-stream`.",
        content((Vec<u8> = "application/octet-stream"), (Vec<u8> = "image/*")),
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Stored; send it with a message by `attachment_id` before `--upload-ttl` (24 h) passes", body = Attachment),
        (status = 400, description = "`invalid_request`: an empty file, an image that does not decode, a bad file name", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 413, description = "`too_large`: over `--max-upload-bytes` (25 MiB), an image of more than `--max-image-pixels`, or past the user's storage quota", body = ApiError),
        (status = 415, description = "`unsupported_type`: the declared type contradicts the bytes", body = ApiError),
        (status = 429, description = "`rate_limited`: more than `--uploads-per-minute`", body = ApiError),
    )
)]
pub async fn upload(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiQuery(query): ApiQuery<UploadQuery>,
    headers: HeaderMap,
    body: Body,
) -> Result<(StatusCode, Json<Attachment>)> {
    let name = file_name(query.filename.as_deref().unwrap_or("file"))?;
    crate::limits::take(
        state.limits().uploads(),
        &user_id,
        "upload",
        "too many uploads; retry in a minute",
    )?;
    let attachments = state.attachments();
    // A declared length over a limit is refused before a byte is read.
    if let Some(length) = declared_length(&headers) {
        let max = attachments.options().max_upload_bytes;
        if length > max {
            return Err(Error::too_large(format!(
                "the file is larger than the server's limit of {max} bytes"
            )));
        }
        let quota = attachments.quota();
        let stored = state.store().attachment_bytes(&user_id).await?;
        if stored.saturating_add(length) > quota {
            return Err(Error::too_large(format!(
                "the file would pass your storage quota of {quota} bytes ({stored} used)"
            )));
        }
    }
    let declared = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let attachment = attachments
        .upload(state.store(), &user_id, name, declared, body)
        .await?;
    Ok((StatusCode::CREATED, Json(attachment)))
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

/// The name kept for a file: its last path component, trimmed, printable, not empty.
fn file_name(given: &str) -> Result<String> {
    let name = given.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    validate::no_nul("filename", name)?;
    if name.is_empty() || name == "." || name == ".." {
        return Err(Error::invalid("filename must name a file"));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid(
            "filename must not contain control characters",
        ));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Error::invalid(format!(
            "filename is longer than {MAX_NAME_CHARS} characters"
        )));
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_is_its_last_path_component_and_plain_text() {
        assert_eq!(file_name("C:\\Users\\me\\cat.png").unwrap(), "cat.png");
        assert_eq!(file_name("../../etc/passwd").unwrap(), "passwd");
        assert_eq!(
            file_name(" <img src=x onerror=alert(1)>.png ").unwrap(),
            "<img src=x onerror=alert(1)>.png"
        );
        assert!(file_name("dir/").is_err());
        assert!(file_name("a\nb").is_err());
        assert!(file_name("a\0b").is_err());
        assert!(file_name(&"x".repeat(256)).is_err());
    }
}
