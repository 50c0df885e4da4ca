// Rendering. Every piece of user text goes into the DOM as text (textContent, never
// innerHTML), so a message like <img src=x onerror=...> shows as those characters.

import * as attachments from "./attachments.js";
import * as rich from "./rich.js";

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

/** The user's own name and picture at the top (`picture`: an element from profile.js). */
export function me(profile, picture) {
  $("me-name").textContent = profile.displayName || profile.username;
  $("me-avatar").replaceChildren(picture);
}

export function loginError(message) {
  $("login-error").textContent = message;
}

/** The notifications button, by push status (see push.js): hidden where pushes cannot come. */
export function pushStatus(status) {
  const button = $("push-toggle");
  button.hidden = status === "unsupported";
  button.dataset.status = status;
  button.disabled = status === "blocked";
  button.textContent = {
    on: "Turn off notifications",
    off: "Turn on notifications",
    blocked: "Notifications blocked in this browser",
  }[status] ?? "";
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
    needsToken: "You are signed out on this device (the session expired, or was ended from another device): sign out and in again.",
  }[state.state];
  box.textContent = text + waiting;
  box.hidden = false;
}

/**
 * The room lists: the user's rooms (favorites first, as the SDK lists them, each with a
 * star), the archived ones apart, and public rooms to join; `onOpen(room)` when one is
 * clicked; `pictureOf(room)` its picture.
 */
export function rooms(mine, joinable, current, onOpen, pictureOf) {
  const fill = (list, rooms, empty) => {
    list.replaceChildren();
    if (rooms.length === 0) list.append(element("li", "empty", empty));
    for (const room of rooms) {
      const item = element("li", room.roomId === current ? "room current" : "room");
      if (pictureOf) item.append(pictureOf(room));
      const button = element("button", "link", room.name || "(no name)");
      button.addEventListener("click", () => onOpen(room));
      const title = element("div", "title");
      if (room.placement === "favorite") {
        const star = element("span", "favorite", "★");
        star.title = "Favorite";
        title.append(star);
      }
      title.append(button);
      if (room.lastMessage) title.append(element("div", "preview", room.lastMessage.content));
      item.append(title);
      if (room.mentionCount > 0) item.append(element("span", "badge mention", "@"));
      if (room.unreadCount > 0) {
        item.append(element("span", room.muted ? "badge muted" : "badge", String(room.unreadCount)));
      } else if (room.markedUnread) {
        // Marked unread with nothing to read: a dot.
        const dot = element("span", room.muted ? "badge dot muted" : "badge dot");
        dot.title = "Marked unread";
        item.append(dot);
      } else {
        item.append(element("span", "kind", room.kind ?? room.visibility));
      }
      list.append(item);
    }
  };
  const archived = mine.filter((room) => room.placement === "archived");
  fill($("rooms"), mine.filter((room) => room.placement !== "archived"), "No rooms yet: message someone by name.");
  fill($("archived-rooms"), archived, "None.");
  $("archived").hidden = archived.length === 0;
  $("archived-count").textContent = String(archived.length);
  fill($("public-rooms"), joinable, "None to join.");
}

/**
 * The open room's place in the user's list, as the room list says (on every device):
 * "Favorite" or "Unfavorite", "Archive" or "Unarchive"; and "Mark unread". `room` is
 * undefined for a room not in the list (yet).
 */
export function placementControls(room) {
  const favorite = $("favorite-room");
  const archive = $("archive-room");
  favorite.hidden = archive.hidden = $("unread-room").hidden = !room;
  if (!room) return;
  favorite.textContent = room.placement === "favorite" ? "Unfavorite" : "Favorite";
  favorite.title = room.placement === "favorite" ? "Back among the other rooms" : "List it first, on all your devices";
  archive.textContent = room.placement === "archived" ? "Unarchive" : "Archive";
  archive.title = room.placement === "archived" ? "Back in your rooms" : "Set it aside (it is not muted)";
}

/**
 * The open room's title, picture and members, with a dot for who is online, their
 * picture and their role. An owner or admin gets "Remove" and "Ban" for the members
 * they outrank (`actions`), and "Room picture" in a group (`pictures`: the room's and
 * each member's, from profile.js).
 */
export function roomHeader(name, members, online, me, actions, pictures) {
  $("room-name").textContent = name;
  const list = $("members");
  list.replaceChildren();
  const rank = { owner: 0, admin: 1, member: 2 };
  const myRole = members.find((member) => member.userId === me)?.role ?? "member";
  for (const member of members) {
    const item = element("li", "member");
    const isOnline = member.userId === me || online.get(member.userId) === true;
    const dot = element("span", isOnline ? "dot online" : "dot");
    dot.title = isOnline ? "online" : "offline";
    item.append(dot);
    if (pictures) item.append(pictures.member(member));
    item.append(document.createTextNode(member.displayName || member.username));
    if (member.role !== "member") item.append(element("span", "role", member.role));
    // Admins act on members; the owner on admins too.
    const outranks = myRole !== "member" && rank[myRole] < rank[member.role] && (myRole === "owner" || member.role === "member");
    if (actions && member.userId !== me && outranks) {
      item.append(button("Remove", () => actions.kick(member), "hover"), button("Ban", () => actions.ban(member), "hover"));
    }
    list.append(item);
  }
  $("composer").hidden = false;
  $("leave-room").hidden = false;
  // The owner and admins of a group set its picture (a direct room shows the other member's).
  if (pictures) {
    $("room-avatar").replaceChildren(pictures.room());
    $("room-picture").hidden = myRole === "member" || !pictures.settable;
    // Anyone may ask for a group's invite link; the server says no where only admins add.
    $("invite-button").hidden = !pictures.settable;
  }
}

/**
 * The open room's mute, as the room list says (on every device of the user): "Mute",
 * or "Unmute" with until when and whether mentions still notify. `room` is undefined
 * for a room not in the list (yet).
 */
export function muteControl(room) {
  const control = $("mute-room");
  control.hidden = !room;
  if (!room) return;
  control.dataset.muted = String(room.muted);
  control.textContent = room.muted ? "Unmute" : "Mute";
  // Far-future times mean "until I unmute", which is how the page mutes. (Servers from
  // before `mutedUntil` and `notifyMentions` leave both out.)
  let until = "";
  if (room.mutedUntil > Date.now() + 10 * 365 * 24 * 3600 * 1000) until = " until you unmute";
  else if (room.mutedUntil) until = ` until ${new Date(room.mutedUntil).toLocaleString()}`;
  const mentions = { true: "; mentions still notify you", false: ", mentions too" }[room.notifyMentions] ?? "";
  control.title = room.muted ? `Muted${until}${mentions}` : "Stop notifications from this room";
}

/** The users this user blocked, each with "Unblock". */
export function blockedUsers(users, onUnblock) {
  const list = $("blocked-users");
  list.replaceChildren();
  if (users.length === 0) list.append(element("li", "empty", "Nobody."));
  for (const user of users) {
    const item = element("li", "room");
    item.append(element("span", "title", user.displayName || user.username), button("Unblock", () => onUnblock(user)));
    list.append(item);
  }
}

/**
 * The user's saved messages, most recently saved first, each with its room's name (from
 * `roomNames`); `onOpen(item)` opens its room, `onRemove(item)` takes it out.
 */
export function savedMessages(items, roomNames, onOpen, onRemove) {
  const list = $("saved-messages");
  list.replaceChildren();
  $("saved-count").textContent = String(items.length);
  if (items.length === 0) list.append(element("li", "empty", "Nothing saved."));
  for (const item of items) {
    const row = element("li", "room saved-message");
    const title = element("div", "title");
    const open = element("button", "link", item.message.content || "(attachment)");
    open.addEventListener("click", () => onOpen(item));
    title.append(open, element("div", "preview", roomNames.get(item.message.roomId) ?? ""));
    row.append(title, button("Remove", () => onRemove(item)));
    list.append(row);
  }
}

/** The user's sign-ins, most recently active first; `onEnd` signs one device out. */
export function signIns(list, onEnd) {
  const items = $("sign-ins");
  items.replaceChildren();
  for (const signIn of list) {
    const item = element("li", "room");
    const seen = new Date(signIn.lastActiveAt).toLocaleString();
    item.append(element("span", "title", signIn.deviceName || "Unnamed device"), element("span", "preview", `active ${seen}`));
    item.append(signIn.current ? element("span", "badge", "This device") : button("Sign out", () => onEnd(signIn)));
    items.append(item);
  }
}

/** Empties the chat pane (the room was left, or the user was removed from it). */
export function closeRoom() {
  $("room-name").textContent = "Pick a room";
  $("members").replaceChildren();
  $("messages").replaceChildren();
  $("composer").hidden = true;
  $("leave-room").hidden = true;
  $("mute-room").hidden = true;
}

/** Asks to confirm an action in the page (no browser dialog); `onYes` if confirmed. */
export function confirmAction(text, yes, onYes) {
  $("confirm-text").textContent = text;
  $("confirm-yes").textContent = yes;
  $("confirm").hidden = false;
  const done = (confirmed) => {
    $("confirm").hidden = true;
    $("confirm-yes").onclick = null;
    $("confirm-no").onclick = null;
    if (confirmed) onYes();
  };
  $("confirm-yes").onclick = () => done(true);
  $("confirm-no").onclick = () => done(false);
}

/** Asks why a message or user is reported; `onReport(reason)` when submitted. */
export function askReportReason(onReport) {
  const form = $("report-form");
  $("report-reason").value = "";
  form.hidden = false;
  $("report-reason").focus();
  form.onsubmit = (event) => {
    event.preventDefault();
    const reason = $("report-reason").value.trim();
    if (!reason) return;
    form.hidden = true;
    onReport(reason);
  };
  $("report-cancel").onclick = () => { form.hidden = true; };
}

/** What a membership or settings notice says, in the timeline. */
function noticeText(notice, names) {
  const who = (id) => names.get(id) || id.slice(0, 8);
  const change = notice.change;
  if (change.kind === "settings") {
    const parts = [];
    if (change.name !== undefined) parts.push(`renamed the room to ${change.name}`);
    if (change.topic !== undefined) parts.push(change.topic ? `set the topic to ${change.topic}` : "removed the topic");
    if (change.whoCanAdd !== undefined) parts.push(change.whoCanAdd === "admins" ? "let only admins add members" : "let every member add members");
    return `${who(notice.by)} ${parts.join(", ")}`;
  }
  const subject = who(change.userId);
  switch (change.change) {
    case "joined": return change.userId === notice.by ? `${subject} joined` : `${who(notice.by)} added ${subject}`;
    case "left": return `${subject} left`;
    case "kicked": return `${who(notice.by)} removed ${subject}`;
    case "banned": return `${who(notice.by)} banned ${subject}`;
    case "unbanned": return `${who(notice.by)} lifted the ban on ${subject}`;
    default: return change.role === "owner" ? `${subject} now owns the room` : `${who(notice.by)} made ${subject} ${change.role === "admin" ? "an admin" : "a member"}`;
  }
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
export function messages(list, notices, me, names, actions) {
  const box = $("messages");
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  box.replaceChildren();
  // Notices ("bob left") go between the messages by seq, from the oldest message shown.
  const oldest = list.find((message) => message.seq !== undefined)?.seq ?? 0;
  const pending = notices.filter((notice) => notice.seq > oldest);
  const flushNotices = (upTo) => {
    while (pending.length > 0 && pending[0].seq < upTo) {
      box.append(element("li", "notice-line", noticeText(pending.shift(), names)));
    }
  };
  for (const message of list) {
    flushNotices(message.seq ?? Number.MAX_SAFE_INTEGER);
    const mine = message.senderId === me;
    const item = element("li", mine ? "message mine" : "message");
    item.dataset.status = message.status.state;
    if (!mine) item.append(element("span", "sender", names.get(message.senderId) || message.senderId.slice(0, 8)));
    if (message.mentions.includes(me)) item.classList.add("mentions-me");
    if (message.replyTo && !message.deleted) item.append(rich.quote(message, list, names));
    if (message.deleted) {
      item.append(element("span", "text deleted", "message deleted"));
    } else if (message.senderBlocked) {
      item.append(element("span", "text blocked", "Message from a blocked user"));
    } else {
      if (message.attachments.length > 0) item.append(attachments.gallery(message, actions.attachments));
      if (message.content) item.append(element("span", "text", message.content));
    }
    const meta = element("span", "meta");
    const time = new Date(message.createdAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    if (message.pinned && !message.deleted) meta.append(element("span", "pin", "📌"));
    meta.append(element("time", "", (message.editedAt && !message.deleted ? "edited · " : "") + time));
    if (mine) {
      const [glyph, label] = TICKS[message.status.state];
      const ticks = element("span", `ticks ${message.status.state}`, glyph);
      ticks.title = label;
      ticks.setAttribute("aria-label", label);
      meta.append(ticks);
    }
    item.append(meta);
    if (!message.deleted && message.reactions.length > 0) {
      item.append(rich.reactionBar(message, names, (emoji, on) => actions.react(message, emoji, on)));
    }
    // Reactions and replies also work on the user's own pending messages (by client id).
    const target = message.messageId ?? (mine ? message.clientMsgId : undefined);
    if (target && !message.deleted && !message.senderBlocked && message.status.state !== "failed") {
      if (message.messageId) item.append(button("Reply", () => actions.reply(message), "hover"));
      for (const emoji of rich.QUICK_REACTIONS) {
        item.append(button(emoji, () => actions.react(message, emoji, true), "hover"));
      }
      if (message.messageId) {
        item.append(button(message.pinned ? "Unpin" : "Pin", () => actions.pin(message, !message.pinned), "hover"));
        const saved = actions.isSaved(message);
        item.append(button(saved ? "Unsave" : "Save", () => actions.save(message, !saved), "hover"));
      }
    }
    if (mine && message.status.state === "failed") {
      item.append(element("span", "failure", `Not sent: ${message.status.message}`));
      item.append(button("Retry", () => actions.retry(message)), button("Discard", () => actions.discard(message)));
    } else if (mine && message.messageId && !message.deleted) {
      item.append(button("Edit", () => actions.edit(message), "hover"), button("Delete", () => actions.remove(message), "hover"));
    } else if (!mine && message.messageId) {
      item.append(button("Report", () => actions.report(message), "hover"));
      if (!message.senderBlocked) item.append(button("Block sender", () => actions.block(message), "hover"));
    }
    box.append(item);
  }
  flushNotices(Number.MAX_SAFE_INTEGER);
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

/** A new invite link to copy, and until when it works. */
export function inviteLink(url, expiresAt) {
  $("invite-box").hidden = false;
  $("invite-link").value = url;
  $("invite-expires").textContent = `It works until ${new Date(expiresAt).toLocaleString()}.`;
  $("invite-link").select();
}
