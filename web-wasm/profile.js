// Pictures of users and rooms: a small round image from the picture's thumbnail (the
// SDK caches it, so it shows offline too), or the name's first letter where there is
// no picture. Names are text, never markup.

import { thumbnailUrl } from "./attachments.js";

/** A round picture for `name`: its `avatarId`'s thumbnail, or its initial. */
export function avatar(client, avatarId, name) {
  const initial = document.createElement("span");
  initial.className = "avatar initial";
  initial.textContent = (name || "?").trim().charAt(0).toUpperCase() || "?";
  if (!avatarId || !client) return initial;
  const image = document.createElement("img");
  image.className = "avatar";
  image.alt = ""; // the name is next to it
  image.dataset.avatarId = avatarId;
  thumbnailUrl(client, avatarId, "small").then(
    (url) => { image.src = url; },
    () => image.replaceWith(initial), // gone or offline: the initial instead
  );
  return image;
}

/** The image the user picked (an `<input type=file>`'s first `File`), if any. */
export const picked = (input) => input.files?.[0] ?? null;
