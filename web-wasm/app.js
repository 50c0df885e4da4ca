// The chat page: signs in, keeps the session across reloads, and wires the SDK's
// ChatClient (wasm) to the view. All chat logic (reconnects, the outbox, the cache in
// IndexedDB, ordering, de-duplication) is in the SDK; this file only reacts to events.

import init, { ChatClient } from "./pkg/chat_wasm.js";
import { clearSession, holdDatabaseLock, loadSession, saveSession } from "./session.js";
import * as attachments from "./attachments.js";
import * as invites from "./invites.js";
import * as profile from "./profile.js";
import * as push from "./push.js";
import * as rich from "./rich.js";
import * as view from "./view.js";

const $ = (id) => document.getElementById(id);
const PAGE = 100;
const TYPING_TTL_MS = 6000;

const state = {
  client: null,
  subscription: null,
  me: null,
  username: null,
  room: null, // { roomId, name }
  names: new Map(), // userId -> username
  online: new Map(), // userId -> bool
  typing: new Map(), // userId -> timeout, for the open room
  members: [],
  profile: null, // the user's own UserProfile
  headerPicture: undefined, // the open room's picture as the header shows it
  mine: [],
  joinable: [],
  connection: { state: "disconnected" },
  refreshTimer: null,
  readUpTo: new Map(), // roomId -> newest seq marked read
  saved: [], // the user's saved messages (SavedItem), most recently saved first
  replyTo: null, // the message the draft answers
  uploads: new Map(), // "clientMsgId/position" -> { sent, total }, while a file uploads
};

/** Opens the user's client: its own IndexedDB database, unless another tab has it. */
async function openClient(username) {
  const name = username.toLowerCase();
  const owner = await holdDatabaseLock(name);
  const client = await ChatClient.open(location.origin, owner ? `chat-${name}` : undefined);
  if (!owner) view.notice("This account is open in another tab: this tab keeps no messages offline.", true);
  return client;
}

async function signIn(username, password, register) {
  await signInWith(username, (client) =>
    register ? client.register(username, password) : client.login(username, password));
}

/** Sets a forgotten password with the reset code an admin gave, and signs in with it. */
async function resetPassword(username, resetToken, newPassword) {
  await signInWith(username, (client) => client.resetPassword(resetToken, newPassword));
}

/** Opens `username`'s client and starts the page with the session `obtain` gets. */
async function signInWith(username, obtain) {
  view.loginError("");
  let client;
  try {
    client = await openClient(username);
    client.setDeviceName(browserDeviceName());
    const session = await obtain(client);
    saveSession(username, session);
    start(client, username, session);
  } catch (error) {
    client?.shutdown();
    view.loginError(error.message);
  }
}

async function restore() {
  const saved = loadSession();
  if (!saved) {
    view.showSignedIn(false);
    // Said once, after the reload that follows deleting the account.
    const farewell = sessionStorage.getItem("chat.notice");
    sessionStorage.removeItem("chat.notice");
    if (farewell) view.loginError(farewell);
    return;
  }
  try {
    const client = await openClient(saved.username);
    client.setSession(saved.session);
    start(client, saved.username, saved.session);
  } catch (error) {
    clearSession();
    view.showSignedIn(false);
    view.loginError(error.message);
  }
}

function start(client, username, session) {
  state.client = client;
  state.username = username;
  state.me = session.userId;
  state.names.set(session.userId, username);
  state.subscription = client.subscribe(onEvent);
  client.connect();
  view.showSignedIn(true, username);
  refreshRooms();
  // The user's own rooms are live (roomListChanged); public rooms are polled.
  state.refreshTimer = setInterval(refreshRooms, 5000);
  const last = sessionStorage.getItem("chat.room");
  if (!openLinkedRoom() && last) openRoom(JSON.parse(last));
  openInvite();
  showPushStatus();
  loadProfile();
}

/** The user's own name and picture at the top of the page. */
async function loadProfile() {
  const client = state.client;
  try {
    const mine = await client.myProfile();
    if (state.client === client) showProfile(mine);
  } catch {
    // Offline: the username shows until the next sign-in.
  }
}

function showProfile(mine) {
  state.profile = mine;
  state.names.set(mine.userId, mine.displayName);
  view.me(mine, profile.avatar(state.client, mine.avatarId, mine.displayName || mine.username));
}

/** Saves the profile form: a new name, a new picture, or both. */
async function saveProfile() {
  const client = state.client;
  const name = $("profile-name").value.trim();
  try {
    let saved = null;
    if (name && name !== state.profile?.displayName) saved = await client.setDisplayName(name);
    const picture = profile.picked($("profile-picture"));
    if (picture) saved = await client.setAvatar(picture);
    if (saved) showProfile(saved);
  } catch (error) {
    view.notice(error.message);
    return;
  }
  $("profile-form").hidden = true;
  $("profile-picture").value = "";
  view.notice("Profile saved.");
}

async function removePicture() {
  try {
    showProfile(await state.client.removeAvatar());
  } catch (error) {
    view.notice(error.message);
    return;
  }
  $("profile-form").hidden = true;
  view.notice("Picture removed.");
}

/** Sets the open room's picture from the file the owner or admin picked. */
async function setRoomPicture() {
  const picture = profile.picked($("room-picture-input"));
  if (!picture || !state.room) return;
  await act(state.client.setRoomAvatar(state.room.roomId, picture), "Room picture changed.");
  $("room-picture-input").value = "";
}

/** Joins the room an invite link (`#invite=<code>`) leads to, once the user agrees. */
async function openInvite() {
  const client = state.client;
  const code = client && invites.takeCode();
  if (!code) return;
  try {
    const room = await client.invitePreview(code);
    if (room.member) {
      openRoom({ roomId: room.roomId, name: room.name });
      return;
    }
    const members = `${room.memberCount} member${room.memberCount === 1 ? "" : "s"}`;
    view.confirmAction(`Join ${room.name} (${members})?`, "Join", async () => {
      try {
        const roomId = await client.joinWithInvite(code);
        await refreshRooms();
        openRoom({ roomId, name: room.name });
        view.notice(`You joined ${room.name}.`);
      } catch (error) {
        view.notice(error.message);
      }
    });
  } catch (error) {
    view.notice(error.message);
  }
}

/** Makes an invite link to the open room and shows it to copy. */
async function shareInvite() {
  try {
    const invite = await state.client.createInvite(state.room.roomId, undefined, undefined);
    view.inviteLink(invites.linkFor(invite.code), invite.expiresAt);
  } catch (error) {
    view.notice(error.message);
  }
}

/** Opens the room a notification's click links to (`#room=<id>`), if it is the user's. */
function openLinkedRoom() {
  const linked = new URLSearchParams(location.hash.slice(1)).get("room");
  if (!linked) return false;
  history.replaceState(null, "", location.pathname + location.search);
  const room = state.mine.find((mine) => mine.roomId === linked);
  if (room) openRoom({ roomId: room.roomId, name: room.name });
  return Boolean(room);
}

/** The notifications button: what it would do, or hidden where pushes cannot come. */
async function showPushStatus() {
  const client = state.client;
  const status = await push.status(client).catch(() => "unsupported");
  if (state.client !== client) return;
  view.pushStatus(status);
  if (status === "on") push.refresh(client).catch(() => {});
}

async function togglePush() {
  const button = $("push-toggle");
  button.disabled = true;
  try {
    const status = button.dataset.status === "on"
      ? await push.disable(state.client)
      : await push.enable(state.client);
    view.pushStatus(status);
  } catch (error) {
    view.notice(`Notifications could not be changed: ${error.message}`);
  } finally {
    button.disabled = button.dataset.status === "blocked";
  }
}

async function signOut() {
  clearInterval(state.refreshTimer);
  state.subscription?.close();
  const refreshToken = loadSession()?.session?.refreshToken;
  clearSession();
  sessionStorage.removeItem("chat.room");
  // On the server too, so the refresh token cannot be used again (best effort: offline,
  // it simply expires).
  if (state.client && refreshToken) await state.client.signOut(refreshToken).catch(() => {});
  state.client?.disconnect();
  state.client?.shutdown();
  state.client = null;
  state.room = null;
  location.reload();
}

/** The user's rooms from the SDK's cache (instant, offline too), and public ones to join. */
async function refreshRooms() {
  if (!state.client) return;
  renderRoomList();
  try {
    const mineIds = new Set(state.mine.map((room) => room.roomId));
    state.joinable = (await state.client.publicRooms()).filter((room) => !mineIds.has(room.roomId));
  } catch {
    // Offline: the public list stays as it was; the banner says why.
  }
  renderRoomList();
}

/** Favorites first, then most recent activity, with unread badges; live through `roomListChanged`. */
function renderRoomList() {
  try {
    state.mine = state.client.roomList();
  } catch {
    // Closed: keep showing what was read last.
  }
  const mineIds = new Set(state.mine.map((room) => room.roomId));
  state.joinable = state.joinable.filter((room) => !mineIds.has(room.roomId));
  view.rooms(state.mine, state.joinable, state.room?.roomId, (room) => openRoomFromList(room), roomPicture);
  renderRoomControls();
  // The open room's picture can change in the list (its settings, or a direct room's
  // other member): only then is the header drawn again.
  const listed = state.room && state.mine.find((room) => room.roomId === state.room.roomId);
  if (listed && listed.avatarId !== state.headerPicture) renderHeader();
}

/** A room's picture in the list and the header: its own, or a direct room's other member's. */
const roomPicture = (room) => profile.avatar(state.client, room.avatarId, room.name);

/** The open room's mute and placement controls, from its summary in the list. */
function renderRoomControls() {
  const listed = state.room && state.mine.find((room) => room.roomId === state.room.roomId);
  view.muteControl(listed);
  view.placementControls(listed);
}

/** Until the user unmutes: a far-future time (1 January 2100). */
const MUTED_FOR_GOOD = 4_102_444_800_000;

/** Mutes the open room (mentions still notify), or unmutes it; the list shows the result. */
async function toggleMute() {
  const room = state.room && state.mine.find((mine) => mine.roomId === state.room.roomId);
  if (!room) return;
  await act(state.client.setMute(room.roomId, room.muted ? undefined : MUTED_FOR_GOOD, true),
    room.muted ? "Notifications from this room are back on." : "Room muted.");
}

/**
 * Makes the open room a favorite or archives it (`placement`), or puts it back in the
 * main list when it is there already; every device's list shows the result.
 */
async function togglePlacement(placement) {
  const room = state.room && state.mine.find((mine) => mine.roomId === state.room.roomId);
  if (!room) return;
  const next = room.placement === placement ? undefined : placement;
  const done = { favorite: "Room added to favorites.", archived: "Room archived." }[next] ?? "Room back in your list.";
  await act(state.client.setRoomPlacement(room.roomId, next), done);
}

/**
 * Marks the open room unread on every device and closes it here: it shows as unread in
 * the list (a dot when nothing is) until it is opened again.
 */
async function markOpenRoomUnread() {
  const room = state.room;
  if (!room) return;
  try {
    await state.client.markRoomUnread(room.roomId, true);
  } catch (error) {
    view.notice(error.message);
    return;
  }
  if (state.room === room) {
    state.room = null;
    sessionStorage.removeItem("chat.room");
    view.closeRoom();
    renderRoomList();
  }
  view.notice("Marked unread.");
}

/**
 * Opening a room the user marked unread reads it: the mark goes on every device. A read
 * receipt does it, also for a message read before; a room with no message has only the
 * mark to take away.
 */
function readMarkedRoom(room) {
  const listed = state.mine.find((mine) => mine.roomId === room.roomId);
  if (!listed?.markedUnread) return;
  if (listed.lastSeq > 0) {
    try {
      state.client.markRead(listed.roomId, listed.lastSeq);
    } catch {
      // Closed: nothing to mark.
    }
  } else {
    state.client.markRoomUnread(listed.roomId, false).catch((error) => view.notice(error.message));
  }
}

async function openRoomFromList(room) {
  if (!state.mine.some((mine) => mine.roomId === room.roomId)) {
    try {
      await state.client.addMember(room.roomId, state.me);
    } catch (error) {
      view.notice(error.message);
      return;
    }
  }
  openRoom({ roomId: room.roomId, name: room.name });
  refreshRooms();
}

function openRoom(room) {
  state.room = room;
  sessionStorage.setItem("chat.room", JSON.stringify(room));
  for (const timer of state.typing.values()) clearTimeout(timer);
  state.typing.clear();
  view.typing([]);
  try {
    state.client.joinRoom(room.roomId);
  } catch (error) {
    view.notice(error.message);
  }
  state.replyTo = null;
  rich.replying(null, state.names);
  renderHeader();
  renderMessages();
  view.scrollToEnd();
  loadMembers();
  loadPins();
  view.rooms(state.mine, state.joinable, room.roomId, (next) => openRoomFromList(next), roomPicture);
  renderRoomControls();
  readMarkedRoom(room);
}

async function loadMembers() {
  const room = state.room;
  try {
    const members = await state.client.members(room.roomId);
    if (state.room !== room) return;
    state.members = members;
    for (const member of members) state.names.set(member.userId, member.displayName || member.username);
    renderHeader();
    renderMessages();
  } catch {
    // Offline: names come when the connection is back.
  }
}

function renderHeader() {
  if (!state.room) return;
  const listed = state.mine.find((room) => room.roomId === state.room.roomId);
  state.headerPicture = listed?.avatarId;
  const pictures = {
    room: () => roomPicture(listed ?? state.room),
    member: (member) => profile.avatar(state.client, member.avatarId, member.displayName || member.username),
    settable: listed?.kind === "group",
  };
  view.roomHeader(state.room.name || "(no name)", state.members, state.online, state.me, moderation, pictures);
}

/** An owner's or admin's actions on a member of the open room. */
const moderation = {
  kick: (member) => view.confirmAction(`Remove ${member.displayName} from the room?`, "Remove",
    () => act(state.client.removeMember(state.room.roomId, member.userId), `${member.displayName} was removed.`)),
  ban: (member) => view.confirmAction(`Ban ${member.displayName} from the room?`, "Ban",
    () => act(state.client.banUser(state.room.roomId, member.userId, undefined), `${member.displayName} was banned.`)),
};

/** Reads the user's saved messages from the server (the newest 100) and shows them. */
async function renderSaved() {
  const client = state.client;
  if (!client) return;
  try {
    state.saved = (await client.savedMessages(undefined, 100)).saved;
  } catch {
    return; // Offline: the list comes with the next connect.
  }
  const roomNames = new Map(state.mine.map((room) => [room.roomId, room.name]));
  view.savedMessages(state.saved, roomNames,
    (item) => {
      const room = state.mine.find((mine) => mine.roomId === item.message.roomId);
      if (room) openRoom(room);
    },
    (item) => act(client.saveMessage(item.message.roomId, item.message.messageId, false), "No longer saved."));
  if (state.room) renderMessages();
}

/** The blocked users, from the server (the SDK refreshes its copy with them). */
async function renderBlocked() {
  const client = state.client;
  if (!client) return;
  try {
    const users = await client.blockedUsers();
    view.blockedUsers(users, (user) =>
      act(client.unblockUser(user.userId), `${user.displayName || user.username} is no longer blocked.`));
  } catch {
    // Offline: the list comes with the next connect.
  }
}

/** What this browser is called in the user's list of sign-ins: "Firefox on Linux". */
function browserDeviceName() {
  const agent = navigator.userAgent;
  const browser = ["Edg", "Firefox", "Chrome", "Safari"].find((name) => agent.includes(name)) || "Browser";
  const system = ["Android", "iPhone", "iPad", "Windows", "Mac", "Linux"].find((name) => agent.includes(name));
  const shown = browser === "Edg" ? "Edge" : browser;
  return system ? `${shown} on ${system}` : shown;
}

/** Where the user is signed in, from the server; each other device can be signed out. */
async function renderSignIns() {
  const client = state.client;
  if (!client) return;
  try {
    view.signIns(await client.signIns(), (signIn) =>
      act(client.endSignIn(signIn.id), `${signIn.deviceName || "The device"} is signed out.`).then(renderSignIns));
  } catch (error) {
    view.notice(error.message);
  }
}

/** Runs a server call; says `done` when it worked, the server's reason when not. */
async function act(call, done) {
  try {
    await call;
    view.notice(done);
  } catch (error) {
    view.notice(error.message);
  }
}

let renderQueued = false;

/** Reads the open room from the cache and shows it (at most once per frame). */
function renderMessages() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    if (!state.room || !state.client) {
      // With no room open the banner still says whether this page is connected.
      view.banner(state.connection, 0);
      return;
    }
    let list = [];
    try {
      list = state.client.messages(state.room.roomId, undefined, PAGE);
    } catch (error) {
      view.notice(error.message);
    }
    let notices = [];
    try {
      notices = state.client.notices(state.room.roomId, undefined, PAGE);
    } catch {
      // Nothing cached yet.
    }
    view.messages(list, notices, state.me, state.names, actions);
    renderPinned();
    const pending = list.filter((message) => message.status.state === "pending").length;
    view.banner(state.connection, pending);
    markRead(list);
  });
}

/** The newest pinned message of the open room, from the cache. */
function renderPinned() {
  let pins = [];
  try {
    pins = state.client.cachedPins(state.room.roomId);
  } catch {
    // Closed: nothing to show.
  }
  rich.pinnedBanner(pins[0], state.names);
}

/** Asks the server for the room's pins (the cache keeps them), then shows them. */
async function loadPins() {
  const room = state.room;
  try {
    await state.client.pins(room.roomId);
  } catch {
    return; // offline: the cached ones stay
  }
  if (state.room === room) renderMessages();
}

function markRead(list) {
  const newest = list.reduce((max, message) => (message.seq !== undefined && message.seq > max ? message.seq : max), 0);
  const room = state.room.roomId;
  if (newest > 0 && document.visibilityState === "visible" && newest > (state.readUpTo.get(room) ?? 0)) {
    state.readUpTo.set(room, newest);
    try {
      state.client.markRead(room, newest);
    } catch {
      // Closed: nothing to mark.
    }
  }
}

const actions = {
  attachments: {
    get client() { return state.client; },
    progress: state.uploads,
    onOpen: (attachment) => attachments.openViewer(state.client, attachment),
    onDownload: (attachment) => attachments.download(state.client, attachment).catch((error) => view.notice(error.message)),
  },
  retry: (message) => attempt(() => state.client.retry(message.clientMsgId)),
  discard: (message) => attempt(() => state.client.cancel(message.clientMsgId)),
  edit: (message) => {
    const text = prompt("Edit message", message.content);
    if (text && text.trim() && text !== message.content) {
      attempt(() => state.client.editMessage(message.roomId, message.messageId, text.trim()));
    }
  },
  reply: (message) => {
    state.replyTo = message;
    rich.replying(message, state.names);
    $("draft").focus();
  },
  react: (message, emoji, on) =>
    attempt(() => state.client.react(message.roomId, message.messageId ?? message.clientMsgId, emoji, on)),
  pin: (message, pinned) => attempt(() => state.client.pin(message.roomId, message.messageId, pinned)),
  isSaved: (message) => state.saved.some((item) => item.message.messageId === message.messageId),
  save: (message, saved) =>
    act(state.client.saveMessage(message.roomId, message.messageId, saved), saved ? "Saved." : "No longer saved."),
  remove: (message) => {
    if (confirm("Delete this message for everyone?")) {
      attempt(() => state.client.deleteMessage(message.roomId, message.messageId));
    }
  },
  report: (message) => view.askReportReason((reason) =>
    act(state.client.report(message.roomId, message.messageId, undefined, reason),
      "Reported to the server's admins. Thank you.")),
  block: (message) => {
    const name = state.names.get(message.senderId) || message.senderId.slice(0, 8);
    view.confirmAction(`Block ${name}? Their messages will be hidden, and they cannot message you directly.`, "Block",
      () => act(state.client.blockUser(message.senderId), `${name} is blocked.`));
  },
};

/** Runs a change (sync, or a Promise that resolves once it is stored) and redraws. */
function attempt(action) {
  Promise.resolve()
    .then(action)
    .catch((error) => view.notice(error.message))
    .finally(renderMessages);
}

function onEvent(event) {
  const inRoom = state.room && event.roomId === state.room.roomId;
  switch (event.type) {
    case "connection":
      state.connection = event.state;
      renderMessages();
      if (event.state.state === "connected") {
        refreshRooms();
        renderBlocked();
        renderSaved();
      }
      break;
    case "message":
      if (event.message.roomId === state.room?.roomId) {
        stopTyping(event.message.senderId);
        if (!state.names.has(event.message.senderId)) loadMembers();
        renderMessages();
      }
      break;
    case "uploadProgress":
      state.uploads.set(`${event.clientMsgId}/${event.position}`, { sent: event.sentBytes, total: event.totalBytes });
      if (inRoom) renderMessages();
      break;
    case "status":
    case "receipt":
    case "roomJoined":
    case "historyLoaded":
      if (inRoom) renderMessages();
      break;
    case "typing":
      if (inRoom && event.userId !== state.me) {
        if (event.isTyping) startTyping(event.userId);
        else stopTyping(event.userId);
      }
      break;
    case "roomListChanged":
      renderRoomList();
      break;
    case "savedChanged":
      renderSaved();
      break;
    case "blocksChanged":
      if (state.room) renderMessages();
      renderBlocked();
      break;
    case "notice":
      if (event.notice.roomId === state.room?.roomId) {
        if (event.notice.change.kind === "member") loadMembers();
        renderMessages();
      }
      break;
    case "membershipEnded":
      if (event.roomId === state.room?.roomId) {
        state.room = null;
        sessionStorage.removeItem("chat.room");
        view.closeRoom();
        const why = { kicked: "You were removed from the room.", banned: "You were banned from the room." };
        view.notice(why[event.reason] ?? "You are no longer in the room.");
      }
      renderRoomList();
      break;
    case "userUpdated":
      state.names.set(event.userId, event.displayName);
      if (event.userId === state.me) showProfile({ ...event });
      // The SDK moved its cached members on: the header shows the new name and picture.
      if (state.room) {
        try {
          state.members = state.client.cachedMembers(state.room.roomId);
        } catch {
          // Closed: keep what is shown.
        }
        renderHeader();
        renderMessages();
      }
      break;
    case "presence":
      state.online.set(event.userId, event.status === "online");
      renderHeader();
      break;
    case "sessionRenewed":
      // The refresh token just used is spent: keep the new session instead.
      saveSession(state.username, event.session);
      break;
    case "changeFailed":
      // An edit, delete, reaction or pin the server refused: the cache has undone it.
      view.notice(`Not done: ${event.message}`);
      if (inRoom) renderMessages();
      break;
    case "error":
      view.notice(event.message);
      break;
  }
}

function startTyping(userId) {
  clearTimeout(state.typing.get(userId));
  state.typing.set(userId, setTimeout(() => stopTyping(userId), TYPING_TTL_MS));
  renderTyping();
}

function stopTyping(userId) {
  if (!state.typing.has(userId)) return;
  clearTimeout(state.typing.get(userId));
  state.typing.delete(userId);
  renderTyping();
}

function renderTyping() {
  view.typing([...state.typing.keys()].map((id) => state.names.get(id) || id.slice(0, 8)));
}

async function send() {
  const draft = $("draft");
  const text = draft.value.trim();
  if (!text || !state.room) return;
  const room = state.room;
  const memberIds = new Set(state.members.map((member) => member.userId));
  const mentions = rich.mentionedIds(text, state.names).filter((id) => memberIds.has(id) && id !== state.me);
  const replying = state.replyTo;
  const replyTo = replying?.roomId === room.roomId ? replying.messageId : undefined;
  // The draft empties now, not once the send is stored: whatever is typed while the
  // store is under way belongs to the next message and must not be wiped with this one.
  draft.value = "";
  state.replyTo = null;
  rich.replying(null, state.names);
  rich.suggestions([], () => {});
  state.client.setTyping(room.roomId, false);
  try {
    // Resolves once the message is stored in IndexedDB: it survives a reload from here.
    if (replyTo || mentions.length > 0) {
      await state.client.sendMessageWith(room.roomId, text, replyTo, mentions);
    } else {
      await state.client.sendMessage(room.roomId, text);
    }
  } catch (error) {
    // Nothing typed is lost: the text goes back unless something new was typed since
    // (or another room is open); then the notice quotes it.
    if (draft.value === "" && state.room?.roomId === room.roomId) {
      view.notice(error.message);
      draft.value = text;
      state.replyTo = replying;
      rich.replying(replying, state.names);
    } else {
      view.notice(`${error.message} Not sent: “${text}”`);
    }
  }
  renderMessages();
  view.scrollToEnd();
}

/**
 * Sends files, one message each, the draft's text as the first one's caption. Each is
 * in the outbox (IndexedDB) when its promise resolves: offline, or after a reload, it
 * uploads once the connection is back.
 */
async function sendFiles(files) {
  if (!state.room) return;
  const room = state.room;
  const draft = $("draft");
  let caption = draft.value.trim() || undefined;
  // The first file answers the message replied to, with the draft's mentions.
  const replying = state.replyTo;
  let replyTo = replying?.roomId === room.roomId ? replying.messageId : undefined;
  const memberIds = new Set(state.members.map((member) => member.userId));
  let mentions = caption ? rich.mentionedIds(caption, state.names).filter((id) => memberIds.has(id) && id !== state.me) : [];
  // As in send(): the caption leaves the draft now, so typing during the uploads is kept.
  if (caption) draft.value = "";
  state.replyTo = null;
  rich.replying(null, state.names);
  let sent = false;
  for (const file of files) {
    try {
      await state.client.sendAttachmentWith(room.roomId, file, undefined, caption, replyTo, mentions);
      sent = true;
      caption = undefined;
      replyTo = undefined;
      mentions = [];
    } catch (error) {
      view.notice(`${file.name}: ${error.message}`);
    }
  }
  // No file made it to the outbox: the caption and the reply go back, unless the user
  // has typed or picked another reply meanwhile.
  if (!sent && state.room?.roomId === room.roomId) {
    if (caption && draft.value === "") draft.value = caption;
    if (!state.replyTo) {
      state.replyTo = replying;
      rich.replying(replying, state.names);
    }
  }
  renderMessages();
  view.scrollToEnd();
}

/** Under the composer: members matching the "@" word being typed; a pick completes it. */
function suggestMentions(draft) {
  const at = rich.mentionAt(draft.value, draft.selectionStart);
  const members = new Map(state.members.map((member) => [member.userId, state.names.get(member.userId)]));
  const candidates = at ? rich.mentionCandidates(at.prefix, members, state.me) : [];
  rich.suggestions(candidates, (_id, name) => {
    const end = draft.selectionStart;
    draft.value = `${draft.value.slice(0, at.start)}@${name} ${draft.value.slice(end)}`;
    const caret = at.start + name.length + 2;
    draft.setSelectionRange(caret, caret);
    draft.focus();
    rich.suggestions([], () => {});
  });
}

/** Searches the server; offline (or refused), what this device holds. */
async function search(query) {
  if (!query || !state.client) return;
  let found;
  let offline = false;
  try {
    found = (await state.client.searchMessages(query, undefined, undefined, 20)).messages;
  } catch (error) {
    if (error.kind === "invalid_argument") {
      view.notice(error.message);
      return;
    }
    offline = true;
    found = state.client.searchLocal(query, undefined, 20);
  }
  const roomName = (roomId) => state.mine.find((room) => room.roomId === roomId)?.name || "(room)";
  rich.searchResults(found, roomName, state.names, offline, (roomId) => {
    const room = state.mine.find((mine) => mine.roomId === roomId);
    if (room) openRoom({ roomId: room.roomId, name: room.name });
  });
}

/**
 * Changes the password. This page stays signed in: the SDK moves it to the new session
 * (stored through `sessionRenewed`), and the server signs every other device out.
 */
async function changePassword(current, next) {
  try {
    await state.client.changePassword(current, next);
  } catch (error) {
    view.notice(error.message);
    return;
  }
  $("password-form").hidden = true;
  $("current-password").value = "";
  $("new-password").value = "";
  view.notice("Password changed. Your other devices are signed out.");
}

/** Deletes the account on the server, then forgets it here as signing out does. */
/** Saves the user's data export (the server's JSON document) as a file. */
async function downloadMyData() {
  let bytes;
  try {
    bytes = await state.client.exportMyData();
  } catch (error) {
    view.notice(error.message);
    return;
  }
  const link = document.createElement("a");
  link.href = URL.createObjectURL(new Blob([bytes], { type: "application/json" }));
  link.download = "chat-export.json";
  link.click();
  // The click has started the download; the object URL is no longer needed.
  setTimeout(() => URL.revokeObjectURL(link.href), 0);
  view.notice("Your data is downloading as chat-export.json.");
}

async function deleteAccount(password, eraseMessages) {
  try {
    await state.client.deleteAccount(password || undefined, eraseMessages);
  } catch (error) {
    view.notice(error.message);
    return;
  }
  clearInterval(state.refreshTimer);
  state.subscription?.close();
  clearSession();
  sessionStorage.removeItem("chat.room");
  state.client?.shutdown();
  state.client = null;
  state.room = null;
  sessionStorage.setItem("chat.notice", "Your account was deleted.");
  location.reload();
}

async function newConversation(name, direct) {
  try {
    let room;
    if (direct) {
      const user = await state.client.findUser(name);
      const roomId = await state.client.createRoom(user.username, "direct", [user.userId]);
      room = { roomId, name: user.username };
    } else {
      const roomId = await state.client.createRoom(name, "public", []);
      room = { roomId, name };
    }
    $("new-chat-name").value = "";
    await refreshRooms();
    openRoom(room);
  } catch (error) {
    view.notice(error.message);
  }
}

function wire() {
  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const register = event.submitter?.dataset.action === "register";
    signIn($("username").value.trim(), $("password").value, register);
  });
  $("reset-form").addEventListener("submit", (event) => {
    event.preventDefault();
    resetPassword($("reset-username").value.trim(), $("reset-token").value.trim(), $("reset-password").value);
  });
  $("sign-out").addEventListener("click", signOut);
  $("edit-profile").addEventListener("click", () => {
    $("profile-form").hidden = false;
    $("profile-name").value = state.profile?.displayName ?? state.username ?? "";
    $("profile-name").focus();
  });
  $("profile-cancel").addEventListener("click", () => { $("profile-form").hidden = true; });
  $("profile-remove-picture").addEventListener("click", removePicture);
  $("profile-form").addEventListener("submit", (event) => {
    event.preventDefault();
    saveProfile();
  });
  $("room-picture").addEventListener("click", () => $("room-picture-input").click());
  $("room-picture-input").addEventListener("change", setRoomPicture);
  $("change-password").addEventListener("click", () => {
    $("password-form").hidden = false;
    $("current-password").focus();
  });
  $("password-cancel").addEventListener("click", () => { $("password-form").hidden = true; });
  $("password-form").addEventListener("submit", (event) => {
    event.preventDefault();
    changePassword($("current-password").value, $("new-password").value);
  });
  $("devices").addEventListener("toggle", () => {
    if ($("devices").open) renderSignIns();
  });
  $("end-other-sign-ins").addEventListener("click", () =>
    view.confirmAction("Sign out all your other devices?", "Sign out",
      () => act(state.client.endOtherSignIns(), "Your other devices are signed out.").then(renderSignIns)));
  $("export-data").addEventListener("click", downloadMyData);
  $("delete-account").addEventListener("click", () => {
    $("delete-account-form").hidden = false;
    $("delete-password").focus();
  });
  $("delete-cancel").addEventListener("click", () => { $("delete-account-form").hidden = true; });
  $("delete-account-form").addEventListener("submit", (event) => {
    event.preventDefault();
    deleteAccount($("delete-password").value, $("delete-erase").checked);
  });
  $("mute-room").addEventListener("click", toggleMute);
  $("favorite-room").addEventListener("click", () => togglePlacement("favorite"));
  $("archive-room").addEventListener("click", () => togglePlacement("archived"));
  $("unread-room").addEventListener("click", markOpenRoomUnread);
  $("leave-room").addEventListener("click", () => {
    const room = state.room;
    if (!room) return;
    view.confirmAction(`Leave ${room.name || "this room"}?`, "Leave",
      () => act(state.client.endMembership(room.roomId), "You left the room."));
  });
  $("new-chat").addEventListener("submit", (event) => {
    event.preventDefault();
    const name = $("new-chat-name").value.trim();
    if (name) newConversation(name, event.submitter?.dataset.action !== "room");
  });
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  attachments.wireComposer(sendFiles);
  const draft = $("draft");
  draft.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      send();
    }
  });
  draft.addEventListener("input", () => {
    if (state.room) state.client?.setTyping(state.room.roomId, draft.value.trim().length > 0);
    suggestMentions(draft);
  });
  $("replying-cancel").addEventListener("click", () => {
    state.replyTo = null;
    rich.replying(null, state.names);
  });
  $("push-toggle").addEventListener("click", togglePush);
  window.addEventListener("hashchange", () => (invites.inAddress() ? openInvite() : openLinkedRoom()));
  $("invite-button").addEventListener("click", shareInvite);
  $("invite-close").addEventListener("click", () => { $("invite-box").hidden = true; });
  // A notification clicked while this tab is open (sw.js).
  navigator.serviceWorker?.addEventListener("message", (event) => {
    if (event.data?.type !== "open-room" || !state.client) return;
    const room = state.mine.find((mine) => mine.roomId === event.data.roomId);
    if (room) openRoom({ roomId: room.roomId, name: room.name });
  });
  $("search").addEventListener("submit", (event) => {
    event.preventDefault();
    search($("search-query").value.trim());
  });
  document.addEventListener("visibilitychange", () => {
    renderMessages();
    // Leaving the page: store the newest session, in case a renewal event was missed.
    const session = document.hidden ? state.client?.currentSession() : undefined;
    if (session) saveSession(state.username, session);
  });
}

// The page loads from the service worker's copy while the server is unreachable.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.register("sw.js").catch(() => {
    // Without it the page needs the server to load; chatting works the same.
  });
}
await init();
wire();
await restore();
