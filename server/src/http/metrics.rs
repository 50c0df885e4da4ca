//! `GET /metrics`: the Prometheus text exposition of `crate::telemetry`.

use axum::http::header;
use axum::response::IntoResponse;

/// Renders every metric of this process. Unauthenticated, like most exporters: expose
/// it to the scraper only (see docs/operations.md).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "Prometheus text format 0.0.4", body = String, content_type = "text/plain")),
)]
pub async fn render() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        crate::telemetry::handle().render(),
    )
}
