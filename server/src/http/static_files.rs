//! The web-wasm page and its assets when `--web-root` is set: the files under the root,
//! `index.html` for `/` and for unknown paths (so that a reload on any page of the app
//! still loads it), and nothing outside the root, even through a symlink.

use std::path::{Component, Path, PathBuf};
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
    /// The root with every symlink resolved: whatever is served must resolve to a path
    /// under it.
    root: Arc<Path>,
    files: ServeDir<ServeFile>,
}

impl StaticFiles {
    /// Serves `root` (a directory, checked by `Config::validate`).
    pub fn new(root: &Path) -> Self {
        // If the root cannot be resolved, nothing resolves under it: every file is
        // refused, which is the safe way to fail.
        let resolved = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let files = ServeDir::new(root)
            .append_index_html_on_directories(true)
            .fallback(ServeFile::new(root.join("index.html")));
        Self {
            root: resolved.into(),
            files,
        }
    }

    /// Answers a request for a file.
    pub async fn respond(self, request: Request) -> Response {
        if !self.stays_inside(request.uri().path()).await {
            tracing::warn!(
                path = request.uri().path(),
                "refused a file outside --web-root"
            );
            return Error::not_found("no such file").into_response();
        }
        match self.files.oneshot(request).await {
            Ok(response) => response.map(Body::new),
            Err(never) => match never {},
        }
    }

    /// Whether every file `ServeDir` may open for `uri_path` (the file, a directory's
    /// `index.html`, or the fallback `index.html`) resolves to a path under the root.
    /// `tower-http` follows symlinks, so a link inside the root could otherwise serve
    /// any file the process can read.
    async fn stays_inside(&self, uri_path: &str) -> bool {
        let Ok(decoded) = percent_decode_str(uri_path.trim_start_matches('/')).decode_utf8() else {
            // ServeDir refuses such paths itself.
            return true;
        };
        let mut candidate = PathBuf::from(&*self.root);
        for component in Path::new(&*decoded).components() {
            match component {
                Component::Normal(part) => candidate.push(part),
                Component::CurDir => {}
                // ServeDir refuses `..` and absolute paths itself.
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => return true,
            }
        }
        if tokio::fs::metadata(&candidate)
            .await
            .is_ok_and(|m| m.is_dir())
        {
            candidate.push("index.html");
        }
        let fallback = self.root.join("index.html");
        for path in [candidate, fallback] {
            match tokio::fs::canonicalize(&path).await {
                Ok(real) if !real.starts_with(&*self.root) => return false,
                // Under the root, or missing (ServeDir then answers 404).
                _ => {}
            }
        }
        true
    }
}
