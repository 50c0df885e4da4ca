// What the page keeps between visits, and which tab owns a user's database.

const KEY = "chat.session";

/**
 * The stored session ({username, session}) while it can be resumed, else null: the
 * SDK renews an expired access token with a valid refresh token.
 */
export function loadSession() {
  try {
    const saved = JSON.parse(localStorage.getItem(KEY));
    const validUntil = saved?.session?.refreshExpiresAt ?? saved?.session?.expiresAt ?? 0;
    if (validUntil > Date.now()) return saved;
  } catch {
    // Unreadable: sign in again.
  }
  return null;
}

export function saveSession(username, session) {
  localStorage.setItem(KEY, JSON.stringify({ username, session }));
}

export function clearSession() {
  localStorage.removeItem(KEY);
}

/**
 * Whether this tab may use the user's IndexedDB database. Two tabs writing the same
 * database would overwrite each other's pages, so the first tab holds a Web Lock for as
 * long as it is open; a second tab works with a cache in memory instead.
 */
const held = new Set();

export function holdDatabaseLock(name) {
  if (!navigator.locks || held.has(name)) return Promise.resolve(true);
  return new Promise((resolve) => {
    navigator.locks.request(`chat-db:${name}`, { ifAvailable: true }, (lock) => {
      if (lock === null) {
        resolve(false);
        return undefined;
      }
      held.add(name);
      resolve(true);
      // Held until the tab closes (signing out and in again reuses it).
      return new Promise(() => {});
    });
  });
}
