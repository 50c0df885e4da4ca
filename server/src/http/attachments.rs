//! Downloading attachments: `GET /v1/attachments/{id}` and its `/thumbnail`, for the
//! uploader and the members of the room it was sent to (a bearer token), or for
//! whoever holds a signed link (`/links`), with ranges, `ETag` and headers that keep a
//! browser from running what it downloads.

use std::ops::Range;

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chat_protocol::v1::{ApiError, AttachmentLinks};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;

use super::extract::{ApiPath, ApiQuery, AuthUser, authenticated};
use crate::attachments::{LinkRefusal, Variant};
use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::state::AppState;
use crate::store::AttachmentRecord;
use crate::validate;

/// Query of the downloads: a signed link's proof, and a thumbnail's size.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DownloadQuery {
    /// A signed link's expiry (ms since the epoch), from `/links`.
    expires: Option<i64>,
    /// A signed link's signature, from `/links`.
    #[param(max_length = 128)]
    signature: Option<String>,
    /// The thumbnail: `small` (default) or `medium`.
    size: Option<String>,
}

/// `GET /v1/attachments/{attachment_id}`: the file.
#[utoipa::path(
    get,
    path = "/v1/attachments/{attachment_id}",
    tag = "attachments",
    params(
        ("attachment_id" = String, Path, description = "The attachment (at most 128 bytes)"),
        DownloadQuery,
    ),
    security(("bearer" = []), ()),
    responses(
        (status = 200, description = "The file, with `ETag`, `Content-Disposition` and `X-Content-Type-Options: nosniff`", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 206, description = "The part a `Range: bytes=` header asked for", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "`If-None-Match` matched: the copy the client has is current"),
        (status = 400, description = "`invalid_request`: a malformed id or query", body = ApiError),
        (status = 401, description = "`unauthorized`: neither a valid token nor a signed link", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the signed link is forged or expired", body = ApiError),
        (status = 404, description = "`not_found`: no such attachment, deleted, or not in a room of the caller's", body = ApiError),
        (status = 416, description = "The range lies outside the file"),
    )
)]
pub async fn download(
    State(state): State<AppState>,
    ApiPath(attachment_id): ApiPath<String>,
    ApiQuery(query): ApiQuery<DownloadQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let record = visible(&state, &attachment_id, Variant::Original, &query, &headers).await?;
    serve(&state, &record, Variant::Original, &headers).await
}

/// `GET /v1/attachments/{attachment_id}/thumbnail?size=small|medium`.
#[utoipa::path(
    get,
    path = "/v1/attachments/{attachment_id}/thumbnail",
    tag = "attachments",
    params(
        ("attachment_id" = String, Path, description = "The attachment (at most 128 bytes)"),
        DownloadQuery,
    ),
    security(("bearer" = []), ()),
    responses(
        (status = 200, description = "The thumbnail (JPEG, or PNG for an image with transparency)", content_type = "image/jpeg", body = Vec<u8>),
        (status = 206, description = "The part a `Range: bytes=` header asked for", content_type = "image/jpeg", body = Vec<u8>),
        (status = 304, description = "`If-None-Match` matched"),
        (status = 400, description = "`invalid_request`: a malformed id, or a size other than `small` or `medium`", body = ApiError),
        (status = 401, description = "`unauthorized`: neither a valid token nor a signed link", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 403, description = "`forbidden`: the signed link is forged or expired", body = ApiError),
        (status = 404, description = "`not_found`: no such attachment, not an image, or not visible to the caller", body = ApiError),
        (status = 416, description = "The range lies outside the thumbnail"),
    )
)]
pub async fn thumbnail(
    State(state): State<AppState>,
    ApiPath(attachment_id): ApiPath<String>,
    ApiQuery(query): ApiQuery<DownloadQuery>,
    headers: HeaderMap,
) -> Result<Response> {
    let variant = match query.size.as_deref() {
        None | Some("small") => Variant::Small,
        Some("medium") => Variant::Medium,
        Some(_) => return Err(Error::invalid("size must be small or medium")),
    };
    let record = visible(&state, &attachment_id, variant, &query, &headers).await?;
    if record.thumbnails.is_none() {
        return Err(Error::not_found(
            "the attachment is not an image: it has no thumbnail",
        ));
    }
    serve(&state, &record, variant, &headers).await
}

/// `GET /v1/attachments/{attachment_id}/links`: signed links for `<img src>`.
#[utoipa::path(
    get,
    path = "/v1/attachments/{attachment_id}/links",
    tag = "attachments",
    params(("attachment_id" = String, Path, description = "The attachment (at most 128 bytes)")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Links that work without a token until `expires_at` (`--attachment-link-ttl`, 15 minutes)", body = AttachmentLinks),
        (status = 400, description = "`invalid_request`: a malformed id", body = ApiError),
        (status = 401, description = "`unauthorized`: no valid `Authorization: Bearer` token", body = ApiError, headers(("WWW-Authenticate" = String, description = "`Bearer`"))),
        (status = 404, description = "`not_found`: no such attachment, deleted, or not in a room of the caller's", body = ApiError),
    )
)]
pub async fn links(
    State(state): State<AppState>,
    AuthUser(user_id): AuthUser,
    ApiPath(attachment_id): ApiPath<String>,
) -> Result<Json<AttachmentLinks>> {
    validate::id("attachment_id", &attachment_id)?;
    let record = state
        .store()
        .attachment(&attachment_id, Some(&user_id))
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(state.attachments().links(&record, now_ms())))
}

fn not_found() -> Error {
    Error::not_found("no such attachment, or it is not in a room of yours")
}

/// The attachment, if the request may have it: with a signed link for `variant`, or
/// with a token of its uploader or of a member of its room.
async fn visible(
    state: &AppState,
    attachment_id: &str,
    variant: Variant,
    query: &DownloadQuery,
    headers: &HeaderMap,
) -> Result<AttachmentRecord> {
    validate::id("attachment_id", attachment_id)?;
    let user_id = match (&query.signature, query.expires) {
        (Some(signature), Some(expires)) => {
            state
                .attachments()
                .signer()
                .check(attachment_id, variant, expires, signature, now_ms())
                .map_err(|refusal| match refusal {
                    LinkRefusal::Forged => Error::forbidden("the link's signature is not valid"),
                    LinkRefusal::Expired => {
                        Error::forbidden("the link has expired; ask for new links")
                    }
                })?;
            None
        }
        (None, None) => Some(authenticated(state, headers).await?),
        _ => {
            return Err(Error::invalid(
                "a signed link needs both expires and signature",
            ));
        }
    };
    state
        .store()
        .attachment(attachment_id, user_id.as_deref())
        .await?
        .ok_or_else(not_found)
}

/// The file's response: whole, a range of it, or 304.
async fn serve(
    state: &AppState,
    record: &AttachmentRecord,
    variant: Variant,
    headers: &HeaderMap,
) -> Result<Response> {
    let etag = format!("\"{}-{}\"", record.id, variant.as_str());
    let mut response_headers = HeaderMap::new();
    response_headers.insert(header::ETAG, header_value(&etag));
    // The bytes behind an id never change.
    response_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=31536000, immutable"),
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|tags| {
            tags.split(',')
                .any(|tag| tag.trim() == etag || tag.trim() == "*")
        })
    {
        return Ok((StatusCode::NOT_MODIFIED, response_headers).into_response());
    }
    let storage = state.attachments().storage();
    let wanted = headers
        .get(header::RANGE)
        .and_then(|value| value.to_str().ok());
    let range = match wanted {
        Some(wanted) => {
            let size = storage
                .size(&record.id, variant)
                .await
                .map_err(|e| missing_file(&e))?;
            match byte_range(wanted, size) {
                Ok(range) => range,
                Err(()) => {
                    response_headers.insert(
                        header::CONTENT_RANGE,
                        header_value(&format!("bytes */{size}")),
                    );
                    return Ok(
                        (StatusCode::RANGE_NOT_SATISFIABLE, response_headers).into_response()
                    );
                }
            }
        }
        None => None,
    };
    let file = storage
        .get(&record.id, variant, range.clone())
        .await
        .map_err(|e| missing_file(&e))?;
    let total = file.meta.size;
    let mime = match variant {
        Variant::Original => record.mime.as_str(),
        Variant::Small | Variant::Medium => record
            .thumbnails
            .as_ref()
            .map_or("application/octet-stream", |thumbnails| {
                thumbnails.mime.as_str()
            }),
    };
    response_headers.insert(header::CONTENT_TYPE, header_value(mime));
    response_headers.insert(
        header::CONTENT_DISPOSITION,
        header_value(&disposition(record, variant)),
    );
    response_headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Should a browser open it anyway, nothing in it runs.
    response_headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    let status = match &range {
        Some(range) => {
            response_headers.insert(
                header::CONTENT_RANGE,
                header_value(&format!("bytes {}-{}/{total}", range.start, range.end - 1)),
            );
            StatusCode::PARTIAL_CONTENT
        }
        None => StatusCode::OK,
    };
    let length = range.map_or(total, |range| range.end - range.start);
    response_headers.insert(header::CONTENT_LENGTH, header_value(&length.to_string()));
    Ok((
        status,
        response_headers,
        Body::from_stream(file.into_stream()),
    )
        .into_response())
}

/// The one range `Range: bytes=…` asks for within `size` bytes; `None` for the whole
/// file (no range, or several: answering with the whole file is allowed); `Err` when
/// it lies outside the file.
fn byte_range(wanted: &str, size: u64) -> std::result::Result<Option<Range<u64>>, ()> {
    let Ok(parsed) = http_range_header::parse_range_header(wanted) else {
        // A header that does not parse is ignored (RFC 9110 §14.2).
        return Ok(None);
    };
    let ranges = parsed.validate(size).map_err(|_| ())?;
    match ranges.as_slice() {
        [one] => Ok(Some(*one.start()..one.end() + 1)),
        _ => Ok(None),
    }
}

/// `Content-Disposition`: images (and thumbnails) shown in place, anything else saved;
/// the name percent-encoded (RFC 6266 `filename*`), with a fallback of plain letters
/// for clients that know only `filename`.
fn disposition(record: &AttachmentRecord, variant: Variant) -> String {
    let inline = variant != Variant::Original || record.thumbnails.is_some();
    let fallback: String = record
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || " .-_()".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{}; filename=\"{fallback}\"; filename*=UTF-8''{}",
        if inline { "inline" } else { "attachment" },
        utf8_percent_encode(&record.name, NON_ALPHANUMERIC)
    )
}

fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

/// A file the store lists but the storage lacks answers `not_found`; any other storage
/// failure `internal`.
fn missing_file(e: &object_store::Error) -> Error {
    match e {
        object_store::Error::NotFound { .. } => not_found(),
        other => Error::internal("reading an attachment file", other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_one_span_inside_the_file() {
        assert_eq!(byte_range("bytes=0-9", 100), Ok(Some(0..10)));
        assert_eq!(byte_range("bytes=90-", 100), Ok(Some(90..100)));
        assert_eq!(byte_range("bytes=-5", 100), Ok(Some(95..100)));
        assert_eq!(byte_range("bytes=0-1,5-6", 100), Ok(None));
        assert_eq!(byte_range("pages=1", 100), Ok(None));
        assert_eq!(byte_range("bytes=100-200", 100), Err(()));
    }

    #[test]
    fn a_name_full_of_markup_is_quoted_not_interpreted() {
        let record = AttachmentRecord {
            id: "a".into(),
            uploader_id: "u".into(),
            name: "<img src=x onerror=\"alert(1)\">é.pdf".into(),
            mime: "application/octet-stream".into(),
            size: 1,
            dimensions: None,
            thumbnails: None,
            created_at: 0,
            message_id: None,
            avatar: false,
        };
        assert_eq!(
            disposition(&record, Variant::Original),
            "attachment; filename=\"_img src_x onerror__alert(1)___.pdf\"; \
             filename*=UTF-8''%3Cimg%20src%3Dx%20onerror%3D%22alert%281%29%22%3E%C3%A9%2Epdf"
        );
    }
}
