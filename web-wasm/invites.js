// Invite links: the page's link for an invite's code (`#invite=<code>`), and taking a
// code from the address once the user is signed in to act on it.

/** The link to share for an invite's `code`: this page, which joins on opening. */
export const linkFor = (code) =>
  `${location.origin}${location.pathname}#invite=${encodeURIComponent(code)}`;

/** The invite code in the address, if any, removed from it (it is acted on once). */
export function takeCode() {
  const code = new URLSearchParams(location.hash.slice(1)).get("invite");
  if (code) history.replaceState(null, "", location.pathname + location.search);
  return code;
}

/** Whether the address holds an invite code. */
export const inAddress = () => new URLSearchParams(location.hash.slice(1)).has("invite");
