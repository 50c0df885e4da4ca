//! The web-wasm page and its assets when `--web-root` is set: the files under the root,
//! `index.html` for `/` and for unknown paths (so that a reload on any page of the app
//! still loads it), and nothing outside the root, even through a symlink.

use std::path::{Component, Path};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use tower::ServiceExt as _;
use tower_http::services::{ServeDir, ServeFile};

use crate::error::Error;

/// Serves the files of one directory.
#[derive(Debug, Clone)]
pub struct StaticFiles {
    /// The root as configured. It is resolved (symlinks followed) on every request, so
    /// that a root that is itself a link (`current -> releases/42`) follows redeploys,
    /// and the files checked are the files served.
    root: Arc<Path>,
}

impl StaticFiles {
    /// Serves `root` (a directory, checked by `Config::validate`).
    pub fn new(root: &Path) -> Self {
        Self { root: root.into() }
    }

    /// Answers a request for a file.
    pub async fn respond(self, request: Request) -> Response {
        // If the root cannot be resolved (removed, say), nothing is served.
        let Ok(root) = tokio::fs::canonicalize(&self.root).await else {
            return Error::not_found("no such file").into_response();
        };
        if !stays_inside(&root, request.uri().path()).await {
            tracing::warn!(
                path = request.uri().path(),
                "refused a file outside --web-root"
            );
            return Error::not_found("no such file").into_response();
        }
        let files = ServeDir::new(&root)
            .append_index_html_on_directories(true)
            .fallback(ServeFile::new(root.join("index.html")));
        match files.oneshot(request).await {
            Ok(response) => response.map(Body::new),
            Err(never) => match never {},
        }
    }
}

/// Whether every file `ServeDir` may open for `uri_path` (the file, a directory's
/// `index.html`, or the fallback `index.html`) resolves to a path under `root` (itself
/// resolved). `tower-http` follows symlinks, so a link inside the root could otherwise
/// serve any file the process can read. (A link created between this check and the
/// open is not caught; making one needs write access to the root.)
async fn stays_inside(root: &Path, uri_path: &str) -> bool {
    let fallback = root.join("index.html");
    let mut paths = vec![fallback];
    // Paths that do not decode, or that climb (`..`), ServeDir answers with the
    // fallback only; anything else may also open the file itself.
    if let Ok(decoded) = percent_decode_str(uri_path.trim_start_matches('/')).decode_utf8() {
        let mut candidate = root.to_path_buf();
        let mut plain = true;
        for component in Path::new(&*decoded).components() {
            match component {
                Component::Normal(part) => candidate.push(part),
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => plain = false,
            }
        }
        if plain {
            if tokio::fs::metadata(&candidate)
                .await
                .is_ok_and(|m| m.is_dir())
            {
                candidate.push("index.html");
            }
            paths.push(candidate);
        }
    }
    for path in paths {
        match tokio::fs::canonicalize(&path).await {
            Ok(real) if !real.starts_with(root) => return false,
            // Under the root, or missing (ServeDir then answers 404).
            _ => {}
        }
    }
    true
}
