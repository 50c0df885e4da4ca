// The page's service worker: keeps the page itself (HTML, scripts, styles, the wasm
// package) so that it loads even while the server cannot be reached. Messages written
// then are in the SDK's outbox in IndexedDB and go out once the connection is back.
// Network first, so a deployed update is picked up on the next online visit. The API
// and the WebSocket are never cached.

const CACHE = "chat-shell-v3";
const SHELL = [
  "./",
  "index.html",
  "style.css",
  "app.js",
  "view.js",
  "rich.js",
  "attachments.js",
  "session.js",
  "pkg/chat_wasm.js",
  "pkg/chat_wasm_bg.wasm",
];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(names.filter((name) => name !== CACHE).map((name) => caches.delete(name))))
      .then(() => self.clients.claim()),
  );
});

self.addEventListener("fetch", (event) => {
  const url = new URL(event.request.url);
  const api = url.pathname.startsWith("/v1/") || url.pathname === "/healthz" || url.pathname === "/readyz";
  if (event.request.method !== "GET" || url.origin !== location.origin || api) return;
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) {
          const copy = response.clone();
          caches.open(CACHE).then((cache) => cache.put(event.request, copy));
        }
        return response;
      })
      .catch(() => caches.match(event.request, { ignoreSearch: true })
        .then((cached) => cached || caches.match("index.html"))),
  );
});
