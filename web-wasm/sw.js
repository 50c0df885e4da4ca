// The page's service worker: shows the server's push notifications (Web Push), and
// keeps the page itself (HTML, scripts, styles, the wasm
// package) so that it loads even while the server cannot be reached. Messages written
// then are in the SDK's outbox in IndexedDB and go out once the connection is back.
// Network first, so a deployed update is picked up on the next online visit. The API
// and the WebSocket are never cached.

const CACHE = "chat-shell-v5";
const SHELL = [
  "./",
  "index.html",
  "style.css",
  "app.js",
  "view.js",
  "rich.js",
  "attachments.js",
  "profile.js",
  "invites.js",
  "session.js",
  "push.js",
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

// A push from the server (decrypted by the browser): what the payload says, one
// notification per room (a newer one replaces the older), and the app badge.
self.addEventListener("push", (event) => {
  let push = {};
  try {
    push = event.data ? event.data.json() : {};
  } catch {
    // Not ours, or not JSON: still show something, as a push must.
  }
  const shown = self.registration.showNotification(push.title || "New message", {
    body: push.body || "",
    tag: push.room_id || "chat",
    renotify: true,
    data: { room_id: push.room_id, message_id: push.message_id, seq: push.seq },
  });
  const badge = "setAppBadge" in navigator && Number.isInteger(push.badge)
    ? navigator.setAppBadge(push.badge).catch(() => {})
    : Promise.resolve();
  event.waitUntil(Promise.all([shown, badge]));
});

// A click opens the room: in a tab already open on the page if there is one (told by a
// message, as only a tab this worker controls could be navigated), else in a new tab.
self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const room = event.notification.data?.room_id;
  const target = new URL(room ? `./#room=${encodeURIComponent(room)}` : "./", self.registration.scope).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(async (windows) => {
      const open = windows.find((client) => client.url.startsWith(self.registration.scope));
      if (!open) return self.clients.openWindow(target);
      await open.focus();
      if (room) open.postMessage({ type: "open-room", roomId: room });
    }),
  );
});

// The browser replaced the subscription (it expired, or the push service rotated it):
// subscribe again with the same server key; the page registers the new one with the
// server the next time it opens (push.js, `refresh`).
self.addEventListener("pushsubscriptionchange", (event) => {
  const key = event.oldSubscription?.options?.applicationServerKey;
  if (!key) return;
  event.waitUntil(
    self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }).catch(() => {}),
  );
});
