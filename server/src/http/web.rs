//! What browsers need: CORS for pages served from another origin, and the web-wasm
//! page itself when `--web-root` is set.

use std::path::Path;
use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, Method, header};
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::services::{ServeDir, ServeFile};

/// The CORS policy for `origins` (`*` for any), or `None` when none are configured.
pub fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        // Checked by Config::validate.
        AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        )
    };
    Some(
        CorsLayer::new()
            .allow_origin(allow)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                HeaderName::from_static("idempotency-key"),
            ])
            .max_age(Duration::from_secs(600)),
    )
}

/// The files under `root`, with `index.html` for `/` and for unknown paths (so that a
/// reload on any page of the app still loads it).
pub fn static_files(root: &Path) -> ServeDir<ServeFile> {
    ServeDir::new(root)
        .append_index_html_on_directories(true)
        .fallback(ServeFile::new(root.join("index.html")))
}
