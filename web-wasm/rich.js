// Replies, mentions, reactions, pins and search on the page. Like view.js, every piece
// of user text goes into the DOM as text.

const $ = (id) => document.getElementById(id);

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label, onClick, className = "link small") {
  const node = element("button", className, label);
  node.type = "button";
  node.addEventListener("click", onClick);
  return node;
}

/** The emoji the message menu offers with one click. */
export const QUICK_REACTIONS = ["👍", "❤️", "😂"];

/** A short line for a message quoted above its reply (or in the pinned banner). */
export function excerpt(message, names) {
  if (!message) return "Original message";
  const who = names.get(message.senderId) || message.senderId.slice(0, 8);
  const text = message.deleted ? "message deleted" : message.content;
  return `${who}: ${text.length > 80 ? `${text.slice(0, 80)}…` : text}`;
}

/** The quote of the message `reply` answers, looked up among those shown. */
export function quote(reply, shown, names) {
  const parent = shown.find((message) => message.messageId === reply.replyTo);
  return element("blockquote", "quote", excerpt(parent, names));
}

/** Chips under a message: emoji and count, marked when the user is one of them. */
export function reactionBar(message, names, onToggle) {
  const bar = element("div", "reactions");
  for (const reaction of message.reactions) {
    const chip = button(`${reaction.emoji} ${reaction.count}`, () => onToggle(reaction.emoji, !reaction.mine),
      reaction.mine ? "chip mine" : "chip");
    chip.title = reaction.userIds.map((id) => names.get(id) || id.slice(0, 8)).join(", ");
    chip.setAttribute("aria-pressed", String(reaction.mine));
    bar.append(chip);
  }
  return bar;
}

/** The "@" word being typed at the caret, if any: its start and what follows the "@". */
export function mentionAt(text, caret) {
  const match = /(^|\s)@([\p{L}\p{N}_.-]*)$/u.exec(text.slice(0, caret));
  if (!match) return null;
  return { start: caret - match[2].length - 1, prefix: match[2].toLowerCase() };
}

/** Members whose name starts with `prefix` (not the user), at most five. */
export function mentionCandidates(prefix, names, me) {
  return [...names.entries()]
    .filter(([id, name]) => id !== me && name.toLowerCase().startsWith(prefix))
    .slice(0, 5);
}

/** The user ids whose "@name" is in `text`. */
export function mentionedIds(text, names) {
  const ids = [];
  for (const [id, name] of names) {
    const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    if (new RegExp(`(^|\\s)@${escaped}(?![\\p{L}\\p{N}_])`, "u").test(text)) ids.push(id);
  }
  return ids;
}

/** The suggestions under the composer; `onPick(id, name)` completes the word. */
export function suggestions(candidates, onPick) {
  const list = $("mention-suggestions");
  list.replaceChildren();
  list.hidden = candidates.length === 0;
  for (const [id, name] of candidates) {
    const item = element("li");
    item.append(button(`@${name}`, () => onPick(id, name), "link"));
    list.append(item);
  }
}

/** "Replying to …" above the composer, or nothing. */
export function replying(message, names) {
  $("replying").hidden = !message;
  $("replying-text").textContent = message ? `Replying to ${excerpt(message, names)}` : "";
}

/** The newest pinned message of the open room, above the timeline. */
export function pinnedBanner(message, names) {
  $("pinned").hidden = !message;
  $("pinned").textContent = message ? `📌 ${excerpt(message, names)}` : "";
}

/** Search results: room name and text; `offline` when they come from this device only. */
export function searchResults(messages, roomName, names, offline, onOpen) {
  const list = $("search-results");
  list.replaceChildren();
  if (offline) list.append(element("li", "empty", "Offline: results from this device."));
  if (messages.length === 0) list.append(element("li", "empty", "No messages found."));
  for (const message of messages) {
    const item = element("li", "room result");
    const title = element("div", "title");
    title.append(button(roomName(message.roomId), () => onOpen(message.roomId), "link"));
    title.append(element("div", "preview", excerpt(message, names)));
    item.append(title);
    list.append(item);
  }
}
