//! Browsers: CORS for pages on another origin, and the chat page served by `--web-root`.

use serde_json::Value;

use crate::common::TestServer;

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let server =
        TestServer::start_with(|c| c.cors_origins = vec!["https://app.example".into()]).await;
    let preflight = |origin: &'static str| {
        server
            .http
            .request(reqwest::Method::OPTIONS, server.url("/v1/rooms"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key",
            )
            .send()
    };
    let allowed = preflight("https://app.example").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://app.example"
    );
    let headers = allowed.headers()["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(headers.contains("authorization") && headers.contains("idempotency-key"));

    let other = preflight("https://evil.example").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    // A real request from the allowed origin carries the header too.
    let ann = server.register("ann").await;
    let response = server
        .http
        .get(server.url("/v1/rooms"))
        .bearer_auth(&ann.token)
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://app.example"
    );
}

#[tokio::test]
async fn without_cors_origins_no_cross_origin_headers_are_sent() {
    let server = TestServer::start().await;
    let response = server
        .http
        .get(server.url("/healthz"))
        .header("origin", "https://app.example")
        .send()
        .await
        .unwrap();
    assert!(
        response
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
}

#[tokio::test]
async fn the_web_root_is_served_beside_the_api() {
    let site = tempfile::tempdir().unwrap();
    std::fs::write(
        site.path().join("index.html"),
        "<!doctype html><title>chat</title>",
    )
    .unwrap();
    std::fs::write(site.path().join("app.wasm"), b"\0asm\x01\0\0\0").unwrap();
    let root = site.path().to_path_buf();
    let server = TestServer::start_with(move |c| c.web_root = Some(root)).await;

    let get = |path: &'static str| server.http.get(server.url(path)).send();
    let index = get("/").await.unwrap();
    assert_eq!(index.status(), 200);
    assert!(index.text().await.unwrap().contains("<title>chat</title>"));
    let wasm = get("/app.wasm").await.unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    // Any other page path loads the app (a reload on a deep link).
    assert!(
        get("/rooms/abc")
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("<title>")
    );
    // The API keeps answering JSON, unknown endpoints included.
    let missing = get("/v1/nothing").await.unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(missing.json::<Value>().await.unwrap()["code"], "not_found");
    assert_eq!(get("/healthz").await.unwrap().status(), 200);
}

/// Sends one GET with `target` in the request line exactly as written (reqwest would
/// resolve `..` before sending) and returns the status and the whole response.
async fn raw_get(addr: std::net::SocketAddr, target: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        stream.read_to_end(&mut response),
    )
    .await
    .expect("response in time")
    .unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("{target}: not an HTTP response: {response:?}"));
    (status, response)
}

#[tokio::test]
async fn request_targets_that_climb_out_of_the_web_root_serve_nothing_outside_it() {
    // The root is a folder beside a file that must stay private.
    let parent = tempfile::tempdir().unwrap();
    std::fs::write(parent.path().join("secret.txt"), "outside the root").unwrap();
    let site = parent.path().join("site");
    std::fs::create_dir_all(site.join("assets")).unwrap();
    std::fs::write(site.join("index.html"), "<title>chat</title>").unwrap();
    std::fs::write(site.join("assets/app.js"), "inside the root").unwrap();
    let server = TestServer::start_with(move |c| c.web_root = Some(site)).await;

    // Raw requests reach the files inside ...
    let (status, response) = raw_get(server.addr, "/assets/app.js").await;
    assert_eq!(status, 200, "{response}");
    assert!(response.ends_with("inside the root"), "{response}");
    let (status, response) = raw_get(server.addr, "/assets/%61pp.js").await;
    assert_eq!(status, 200, "{response}");
    assert!(response.ends_with("inside the root"), "{response}");
    // ... and nothing outside, however the climb is spelled.
    for target in [
        "/../secret.txt",
        "/assets/../../secret.txt",
        "/./../secret.txt",
        "//../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/.%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/assets/%2e%2e/%2e%2e/secret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/%252e%252e/secret.txt",
        "/..%00/secret.txt",
        "http://localhost/../secret.txt",
    ] {
        let (status, response) = raw_get(server.addr, target).await;
        assert!(
            !response.contains("outside the root"),
            "{target} served the file outside the root: {response}"
        );
        // The app's page (the fallback), not found, or a bad request: never the file.
        assert!(
            [200, 400, 404].contains(&status),
            "{target}: {status} {response}"
        );
    }
}

#[tokio::test]
async fn symlinks_cannot_serve_files_outside_the_web_root() {
    let site = tempfile::tempdir().unwrap();
    let secrets = tempfile::tempdir().unwrap();
    std::fs::write(secrets.path().join("secret.txt"), "the server's secret").unwrap();
    std::fs::create_dir(secrets.path().join("dir")).unwrap();
    std::fs::write(secrets.path().join("dir/index.html"), "outside index").unwrap();
    std::fs::write(site.path().join("page.txt"), "inside").unwrap();
    std::fs::create_dir(site.path().join("assets")).unwrap();
    std::fs::write(site.path().join("assets/real.txt"), "inside asset").unwrap();
    std::os::unix::fs::symlink(
        secrets.path().join("secret.txt"),
        site.path().join("link.txt"),
    )
    .unwrap();
    std::os::unix::fs::symlink(secrets.path(), site.path().join("outside")).unwrap();
    std::os::unix::fs::symlink(secrets.path().join("dir"), site.path().join("linked-dir")).unwrap();
    // A link that stays inside the root is fine.
    std::os::unix::fs::symlink(
        site.path().join("assets/real.txt"),
        site.path().join("alias.txt"),
    )
    .unwrap();
    let root = site.path().to_path_buf();
    let server = TestServer::start_with(move |c| c.web_root = Some(root)).await;

    let get = async |path: &str| {
        let response = server.http.get(server.url(path)).send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    };
    assert_eq!(get("/page.txt").await, (200, "inside".to_owned()));
    assert_eq!(get("/alias.txt").await, (200, "inside asset".to_owned()));
    for escape in [
        "/link.txt",
        "/outside/secret.txt",
        "/%6Cink.txt",
        "/linked-dir/",
        "/linked-dir",
    ] {
        let (status, body) = get(escape).await;
        assert_eq!(status, 404, "{escape}: {body}");
        assert!(
            !body.contains("secret") && !body.contains("outside index"),
            "{escape}: {body}"
        );
        let error: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(error["code"], "not_found", "{escape}");
    }
}

#[tokio::test]
async fn an_index_html_that_links_outside_the_root_is_never_served() {
    let site = tempfile::tempdir().unwrap();
    let secrets = tempfile::tempdir().unwrap();
    std::fs::write(secrets.path().join("secret.txt"), "the server's secret").unwrap();
    std::os::unix::fs::symlink(
        secrets.path().join("secret.txt"),
        site.path().join("index.html"),
    )
    .unwrap();
    let root = site.path().to_path_buf();
    let server = TestServer::start_with(move |c| c.web_root = Some(root)).await;
    // Whatever way the fallback is reached: directly, for an unknown path, or for a
    // path that does not decode or climbs out (which ServeDir answers with it too).
    for path in [
        "/",
        "/index.html",
        "/deep/link",
        "/%FF",
        "/a/%C3%28",
        "/../x",
        "/a/../../b",
    ] {
        let (_, response) = raw_get(server.addr, path).await;
        assert!(!response.contains("secret"), "{path}: {response}");
    }
}

#[tokio::test]
async fn a_web_root_that_is_a_link_follows_a_redeploy() {
    let releases = tempfile::tempdir().unwrap();
    for release in ["1", "2"] {
        let dir = releases.path().join(release);
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("index.html"), format!("release {release}")).unwrap();
    }
    let current = releases.path().join("current");
    std::os::unix::fs::symlink(releases.path().join("1"), &current).unwrap();
    let root = current.clone();
    let server = TestServer::start_with(move |c| c.web_root = Some(root)).await;
    let page = async || {
        server
            .http
            .get(server.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    };
    assert_eq!(page().await, "release 1");
    std::fs::remove_file(&current).unwrap();
    std::os::unix::fs::symlink(releases.path().join("2"), &current).unwrap();
    assert_eq!(page().await, "release 2");
}
