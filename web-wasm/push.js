// Web Push for the page: with the user's permission, the browser subscribes with the
// server's VAPID key and the subscription is registered through the SDK (which keeps
// it, and registers it again after each sign-in). The service worker (sw.js) shows the
// notifications. Browsers ask for permission only from a click, so the page offers a
// button, shown when the server sends Web Push and the browser can receive it.

/** The VAPID key (base64url) as the bytes `applicationServerKey` takes. */
function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const binary = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(binary, (char) => char.charCodeAt(0));
}

/** Whether this browser can receive pushes at all. */
export function supported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/**
 * The state to show: "unsupported" (browser or server), "off" (can be turned on),
 * "on", or "blocked" (the user said no).
 */
export async function status(client) {
  if (!supported()) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  const key = await client.vapidPublicKey().catch(() => undefined);
  if (!key) return "unsupported";
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription();
  return subscription && Notification.permission === "granted" ? "on" : "off";
}

/**
 * Asks for permission (call it from a click), subscribes and registers the
 * subscription; resolves to the new status, or throws with what went wrong.
 */
export async function enable(client) {
  // Asked first, while the click still counts as the user's: browsers refuse a
  // prompt that comes after a network round trip.
  const permission = await Notification.requestPermission();
  if (permission === "denied") return "blocked";
  if (permission !== "granted") return "off";
  const key = await client.vapidPublicKey();
  if (!key) throw new Error("this server does not send notifications");
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  // A subscription made with another key cannot carry this server's pushes.
  const current = subscription?.options?.applicationServerKey;
  if (subscription && current && !sameKey(new Uint8Array(current), keyBytes(key))) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(key),
  });
  const { endpoint, keys } = subscription.toJSON();
  await client.registerWebPush(endpoint, keys.p256dh, keys.auth);
  return "on";
}

/**
 * Registers this browser's subscription again if it has one and notifications are
 * allowed (call it at every start): the browser may have replaced it meanwhile, and a
 * known subscription is only refreshed on the server.
 */
export async function refresh(client) {
  if (!supported() || Notification.permission !== "granted") return;
  const registration = await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.getSubscription();
  if (!subscription) return;
  const { endpoint, keys } = subscription.toJSON();
  await client.registerWebPush(endpoint, keys.p256dh, keys.auth);
}

/** Stops notifications to this browser, on the server and in the browser. */
export async function disable(client) {
  await client.unregisterPush();
  const registration = await navigator.serviceWorker.ready;
  await (await registration.pushManager.getSubscription())?.unsubscribe();
  return "off";
}

function sameKey(a, b) {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
