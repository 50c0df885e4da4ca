// Rendering. Every piece of user text goes into the DOM as text (textContent, never
// innerHTML), so a message like <img src=x onerror=...> shows as those characters.

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Shows the sign-in form or the app. */
export function showSignedIn(signedIn, username = "") {
  $("login").hidden = signedIn;
  $("app").hidden = !signedIn;
  $("me-name").textContent = username;
}

export function loginError(message) {
  $("login-error").textContent = message;
}

/** A passing message at the top (errors the server sent, refusals). */
export function notice(message, sticky = false) {
  const box = $("notice");
  box.textContent = message;
  box.hidden = false;
  clearTimeout(notice.timer);
  if (!sticky) notice.timer = setTimeout(() => { box.hidden = true; }, 6000);
}

/** The offline banner: hidden when connected; says what waits to be sent. */
export function banner(state, pending) {
  const box = $("banner");
  if (state.state === "connected") {
    box.hidden = true;
    return;
  }
  const waiting = pending > 0 ? ` ${pending} message${pending === 1 ? "" : "s"} waiting to send.` : "";
  const text = {
    connecting: "Connecting…",
    reconnecting: "You are offline. Messages you write are kept and sent when the connection is back.",
    disconnected: "Offline.",
    needsToken: "Your session has expired: sign out and in again.",
  }[state.state];
  box.textContent = text + waiting;
  box.hidden = false;
}

/** The room lists; `onOpen(room)` when one is clicked. */
export function rooms(mine, joinable, current, onOpen) {
  const fill = (list, rooms, empty) => {
    list.replaceChildren();
    if (rooms.length === 0) list.append(element("li", "empty", empty));
    for (const room of rooms) {
      const item = element("li", room.roomId === current ? "room current" : "room");
      const button = element("button", "link", room.name || "(no name)");
      button.addEventListener("click", () => onOpen(room));
      const title = element("div", "title");
      title.append(button);
      if (room.lastMessage) title.append(element("div", "preview", room.lastMessage.content));
      item.append(title);
      if (room.unreadCount > 0) {
        item.append(element("span", room.muted ? "badge muted" : "badge", String(room.unreadCount)));
      } else {
        item.append(element("span", "kind", room.kind ?? room.visibility));
      }
      list.append(item);
    }
  };
  fill($("rooms"), mine, "No rooms yet: message someone by name.");
  fill($("public-rooms"), joinable, "None to join.");
}

/** The open room's title and members, with a dot for who is online. */
export function roomHeader(name, members, online, me) {
  $("room-name").textContent = name;
  const list = $("members");
  list.replaceChildren();
  for (const member of members) {
    const item = element("li", "member");
    const isOnline = member.userId === me || online.get(member.userId) === true;
    const dot = element("span", isOnline ? "dot online" : "dot");
    dot.title = isOnline ? "online" : "offline";
    item.append(dot, document.createTextNode(member.displayName || member.username));
    list.append(item);
  }
  $("composer").hidden = false;
}

const TICKS = {
  pending: ["◷", "waiting to send"],
  sent: ["✓", "sent"],
  delivered: ["✓✓", "delivered"],
  read: ["✓✓", "read"],
  failed: ["!", "not sent"],
};

/**
 * The messages, oldest first. The user's own show their status: a clock while they
 * wait in the outbox, one tick once stored, two when delivered, two in colour once read.
 */
export function messages(list, me, names, actions) {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren();
  for (const message of list) {
    const mine = message.senderId === me;
    const item = element("li", mine ? "message mine" : "message");
    item.dataset.status = message.status.state;
    if (!mine) item.append(element("span", "sender", names.get(message.senderId) || message.senderId.slice(0, 8)));
    if (message.deleted) {
      item.append(element("span", "text deleted", "message deleted"));
    } else {
      item.append(element("span", "text", message.content));
    }
    const meta = element("span", "meta");
    const time = new Date(message.createdAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    meta.append(element("time", "", (message.editedAt && !message.deleted ? "edited · " : "") + time));
    if (mine) {
      const [glyph, label] = TICKS[message.status.state];
      const ticks = element("span", `ticks ${message.status.state}`, glyph);
      ticks.title = label;
      ticks.setAttribute("aria-label", label);
      meta.append(ticks);
    }
    item.append(meta);
    if (mine && message.status.state === "failed") {
      item.append(element("span", "failure", `Not sent: ${message.status.message}`));
      item.append(button("Retry", () => actions.retry(message)), button("Discard", () => actions.discard(message)));
    } else if (mine && message.messageId && !message.deleted) {
      item.append(button("Edit", () => actions.edit(message), "hover"), button("Delete", () => actions.remove(message), "hover"));
    }
    box.append(item);
  }
  if (atBottom) box.scrollTop = box.scrollHeight;
}

function button(label, onClick, extra = "") {
  const node = element("button", `link small ${extra}`, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

export function typing(names) {
  const text = names.length === 0 ? ""
    : names.length === 1 ? `${names[0]} is typing…`
      : names.length === 2 ? `${names[0]} and ${names[1]} are typing…`
        : "Several people are typing…";
  $("typing").textContent = text;
}

export function scrollToEnd() {
  const box = $("messages");
  box.scrollTop = box.scrollHeight;
}
