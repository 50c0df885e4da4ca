// End to end in headless Chromium: the real chat-server serves the page (--web-root)
// and the API on 127.0.0.1; two browser contexts (two devices) sign in as two users and
// chat, and a third signs in as one of them: its room list's badge follows the other
// device's reading. One goes offline (the server is SIGKILLed), sends two messages and a
// photo whose file name is markup, reloads, comes back online, and both end with the same
// history, the photo's thumbnail shown on the other device. Photos dropped and pasted
// arrive too; a slow upload shows its progress; a refused file fails, is retried and
// discarded. A message that looks like HTML is shown as text; it is reported, and its
// sender blocked, from the message menu (her second device hides him too, and shows him
// again when she unblocks, without reconnecting); then the sender deletes his account,
// and the newcomer who takes his name changes his password from the page. A push delivered to the page's service worker through
// DevTools shows as a notification. Prints PASS/FAIL per check and "N passed, N failed".
//
// Usage: node e2e.mjs   with CHAT_SERVER_BIN, WEB_ROOT, WORK_DIR, ARTIFACTS_DIR and
// PLAYWRIGHT_CORE (the playwright-core package directory) in the environment.

import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createRequire } from "node:module";
import { generateKeyPairSync } from "node:crypto";
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const { chromium } = createRequire(import.meta.url)(process.env.PLAYWRIGHT_CORE);
const env = (name) => process.env[name] ?? (() => { throw new Error(`${name} is not set`); })();

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "PASS" : "FAIL"} ${name}${ok || !detail ? "" : `: ${detail}`}`);
  return ok;
}

/** Resolves when `probe` returns true, or false after `seconds`. */
async function eventually(probe, seconds = 15) {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    try {
      if (await probe()) return true;
    } catch {
      // Page navigating: try again.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return false;
}

function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A chat-server on a fixed port and data directory, started and SIGKILLed here. */
class Server {
  constructor(port) {
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    this.process = null;
  }

  async start() {
    const work = env("WORK_DIR");
    const log = openSync(join(work, "server.log"), "a");
    // The server's VAPID key, kept across restarts as an operator would.
    const vapidKey = join(work, "vapid.pem");
    if (!existsSync(vapidKey)) {
      const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
      writeFileSync(vapidKey, privateKey.export({ type: "pkcs8", format: "pem" }));
    }
    this.process = spawn(env("CHAT_SERVER_BIN"), [
      "--vapid-key-file", vapidKey,
      "--vapid-subject", "mailto:ops@example.com",
      "--admin-user", "root",
      "--listen", `127.0.0.1:${this.port}`,
      "--database-url", `sqlite://${join(work, "chat.db")}`,
      "--data-dir", join(work, "data"),
      "--web-root", env("WEB_ROOT"),
    ], { stdio: ["ignore", log, log] });
    let failure = null;
    this.process.once("error", (error) => { failure = error; });
    const up = await eventually(async () => failure !== null || (await fetch(`${this.url}/readyz`)).ok, 20);
    if (failure) {
      this.process = null;
      throw failure;
    }
    if (!up) throw new Error("chat-server did not start");
  }

  async kill() {
    if (!this.process) return;
    const exited = new Promise((resolve) => this.process.once("exit", resolve));
    this.process.kill("SIGKILL");
    await exited;
    this.process = null;
  }
}

const texts = (page) => page.$$eval("#messages .text", (nodes) => nodes.map((node) => node.textContent));
/** Per message, its reaction chips ("👍 1"), space-separated. */
const chips = (page) => page.$$eval("#messages .message", (nodes) =>
  nodes.map((node) => [...node.querySelectorAll(".chip")].map((chip) => chip.textContent).join(" ")));
const statuses = (page) => page.$$eval("#messages .message.mine", (nodes) => nodes.map((node) => node.dataset.status));

async function register(page, server, name) {
  await page.goto(server.url);
  await page.fill("#username", name);
  await page.fill("#password", "correct horse battery");
  await page.click("button[data-action=register]");
  return eventually(() => page.isVisible("#app"));
}

async function login(page, server, name, password = "correct horse battery") {
  await page.goto(server.url);
  await page.fill("#username", name);
  await page.fill("#password", password);
  await page.click("button[data-action=login]");
  return eventually(() => page.isVisible("#app"));
}

/** The unread badge of the room listed as `name` ("0" when it shows none). */
function badge(page, name) {
  return page.$$eval("#rooms .room", (items, wanted) => {
    const item = items.find((node) => node.querySelector("button")?.textContent === wanted);
    if (!item) return null;
    return item.querySelector(".badge")?.textContent ?? "0";
  }, name);
}

async function say(page, text) {
  await page.fill("#draft", text);
  await page.press("#draft", "Enter");
}

async function main() {
  const server = new Server(await freePort());
  await server.start();
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const dialogs = [];
  try {
    const annContext = await browser.newContext();
    const bobContext = await browser.newContext();
    const ann = await annContext.newPage();
    const bob = await bobContext.newPage();
    for (const page of [ann, bob]) page.on("dialog", (dialog) => { dialogs.push(dialog.message()); dialog.dismiss(); });
    for (const page of [ann, bob]) page.on("pageerror", (e) => console.log("PAGEERROR", e.message));

    const suffix = Math.random().toString(36).slice(2, 8);
    const annName = `ann_${suffix}`;
    const bobName = `bob_${suffix}`;
    check("ann creates an account on the page", await register(ann, server, annName));
    check("bob creates an account on the page", await register(bob, server, bobName));

    // Ann opens a direct conversation by Bob's name.
    await ann.fill("#new-chat-name", bobName);
    await ann.click("button[data-action=direct]");
    check("ann opens a conversation with bob", await eventually(async () => (await ann.textContent("#room-name")) === bobName));
    await say(ann, "hello bob");
    check("ann's message shows, then is stored (one tick or more)",
      await eventually(async () => (await statuses(ann))[0] !== "pending" && (await texts(ann))[0] === "hello bob"));

    // Ann types on while "are you there?" is being stored (in the page, so no await of
    // the test's comes in between): what she types then is the next message's draft.
    await ann.evaluate(() => {
      const draft = document.getElementById("draft");
      draft.value = "are you there?";
      draft.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
      draft.value = "ping";
    });
    check("what is typed while a message is being stored stays in the draft",
      await eventually(async () => (await statuses(ann)).length === 2 && (await statuses(ann))[1] !== "pending")
        && (await ann.inputValue("#draft")) === "ping",
      await ann.inputValue("#draft"));
    await ann.press("#draft", "Enter");
    check("and is sent with Enter", await eventually(async () => (await texts(ann)).at(-1) === "ping"),
      JSON.stringify(await texts(ann)));

    // Bob's room list picks the new room up by itself, with its badge, on his laptop
    // and on his phone (a second browser context signed in as bob).
    const bobPhone = await (await browser.newContext()).newPage();
    check("bob signs in on a second device", await login(bobPhone, server, bobName));
    check("the room appears in bob's list under ann's name",
      await eventually(async () => (await bob.$$eval("#rooms button", (nodes) => nodes.map((node) => node.textContent)))
        .includes(annName)));
    check("bob's badge says 3 unread on both devices",
      await eventually(async () => (await badge(bob, annName)) === "3" && (await badge(bobPhone, annName)) === "3"),
      `${await badge(bob, annName)} / ${await badge(bobPhone, annName)}`);
    await bob.click("#rooms button");
    check("bob sees ann's message", await eventually(async () => (await texts(bob)).includes("hello bob")));
    check("opening the room clears the badge there and on bob's other device",
      await eventually(async () => (await badge(bob, annName)) === "0" && (await badge(bobPhone, annName)) === "0"),
      `${await badge(bob, annName)} / ${await badge(bobPhone, annName)}`);
    await bobPhone.context().close();
    check("ann's message turns read (two coloured ticks)",
      await eventually(async () => (await statuses(ann))[0] === "read" && (await ann.isVisible("#messages .ticks.read"))));

    await bob.fill("#draft", "typing…");
    await bob.dispatchEvent("#draft", "input");
    check("ann sees bob typing", await eventually(async () => (await ann.textContent("#typing")).includes(`${bobName} is typing`)));
    await bob.fill("#draft", "");
    await say(bob, "hi ann");
    check("ann receives bob's reply", await eventually(async () => (await texts(ann)).includes("hi ann")));
    await bob.click("#mute-room");
    const muteTitle = () => bob.getAttribute("#mute-room", "title");
    check("bob mutes the room from its header; the page says until when and about mentions",
      await eventually(async () => (await bob.textContent("#mute-room")) === "Unmute"
        && (await muteTitle()) === "Muted until you unmute; mentions still notify you"),
      await muteTitle());
    await bob.click("#mute-room");
    check("and unmutes it", await eventually(async () => (await bob.textContent("#mute-room")) === "Mute"),
      await muteTitle());
    await bob.click("#favorite-room");
    check("bob makes the room a favorite: a star in his list, \"Unfavorite\" in its header",
      await eventually(async () => (await bob.textContent("#favorite-room")) === "Unfavorite"
        && (await bob.$$eval("#rooms .room", (items) => items[0]?.querySelector(".favorite") !== null))));
    await bob.click("#archive-room");
    const archivedNames = () => bob.$$eval("#archived-rooms .room button", (buttons) => buttons.map((b) => b.textContent));
    check("archiving moves it from his rooms to the archived ones, no longer a favorite",
      await eventually(async () => (await archivedNames()).includes(annName)
        && !(await bob.$$eval("#rooms .room button", (buttons) => buttons.map((b) => b.textContent))).includes(annName)
        && (await bob.textContent("#archived-count")) === "1" && (await bob.isVisible("#archived summary"))
        && (await bob.textContent("#favorite-room")) === "Favorite" && (await bob.textContent("#archive-room")) === "Unarchive"),
      JSON.stringify(await archivedNames()));
    await bob.click("#archive-room");
    check("and unarchiving brings it back",
      await eventually(async () => (await archivedNames()).length === 0 && !(await bob.isVisible("#archived summary"))
        && (await bob.textContent("#archive-room")) === "Archive"));
    await bob.click("#unread-room");
    const markedDot = () => bob.$$eval("#rooms .room", (items, wanted) => items.some((node) =>
      node.querySelector("button")?.textContent === wanted && node.querySelector(".badge.dot") !== null), annName);
    check("\"Mark unread\" closes the room and leaves a dot by it in bob's list (nothing is unread)",
      await eventually(async () => (await markedDot()) && (await bob.textContent("#room-name")) === "Pick a room"));
    await bob.$$eval("#rooms .room button", (buttons, wanted) => buttons.find((b) => b.textContent === wanted)?.click(), annName);
    check("opening it again reads it: the dot goes",
      await eventually(async () => !(await markedDot()) && (await bob.textContent("#room-name")) !== "Pick a room"));
    const annsFirst = "#messages .message:not(.mine) >> nth=0";
    await bob.hover(annsFirst);
    await bob.click(`${annsFirst} >> button:text("Save")`);
    check("bob saves ann's first message: it is under \"Saved (1)\", and the message offers \"Unsave\"",
      await eventually(async () => (await bob.textContent("#saved-count")) === "1"
        && (await bob.textContent("#saved-messages")).includes("hello bob")
        && (await bob.$$(`${annsFirst} >> button:text("Unsave")`)).length === 1),
      await bob.textContent("#saved-messages"));
    await bob.click("#saved summary");
    await bob.click("#saved-messages button:text('Remove')");
    check("and removing it from the saved list takes it out",
      await eventually(async () => (await bob.textContent("#saved-count")) === "0"),
      await bob.textContent("#saved-messages"));
    check("a presence dot shows bob online on ann's page",
      await eventually(() => ann.$$eval("#members .member", (nodes) => nodes.some((node) =>
        node.textContent.includes("bob_") && node.querySelector(".dot.online")))));

    // The page must be able to load without the server: wait for its service worker.
    await ann.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    // Offline, the page loads from what the service worker kept: every module of it.
    const shell = readFileSync(join(env("WEB_ROOT"), "sw.js"), "utf8");
    const modules = readdirSync(env("WEB_ROOT")).filter((name) => name.endsWith(".js") && name !== "sw.js");
    check("the service worker keeps every script of the page",
      modules.every((name) => shell.includes(`"${name}"`)),
      modules.filter((name) => !shell.includes(`"${name}"`)).join(", "));

    // The server dies. Ann writes anyway, reloads, and her messages are still there.
    await server.kill();
    check("ann's page shows the offline banner",
      await eventually(async () => (await ann.isVisible("#banner")) && (await ann.textContent("#banner")).includes("offline")));
    await say(ann, "offline one");
    await say(ann, "offline two");
    check("both offline messages show as pending",
      await eventually(async () => (await statuses(ann)).filter((status) => status === "pending").length === 2));
    check("the banner counts them", (await ann.textContent("#banner")).includes("2 messages waiting to send"));
    // A photo, picked with the composer's button while offline; its name is markup.
    const photoName = "<img src=x onerror=alert(1)>.png";
    const png = await ann.evaluate(() => {
      const canvas = document.createElement("canvas");
      [canvas.width, canvas.height] = [48, 32];
      const paint = canvas.getContext("2d");
      paint.fillStyle = "#2f6fde";
      paint.fillRect(0, 0, 48, 32);
      return canvas.toDataURL("image/png").split(",")[1];
    });
    check("each send, offline too, is stored and empties the draft, without an error",
      await eventually(async () => (await ann.inputValue("#draft")) === "") && !(await ann.isVisible("#notice")),
      await ann.textContent("#notice"));
    await ann.setInputFiles("#attach-input", { name: photoName, mimeType: "image/png", buffer: Buffer.from(png, "base64") });
    check("the photo shows at once from the outbox, pending",
      await eventually(() => ann.$eval("#messages .message.mine >> nth=-1", (node) =>
        node.dataset.status === "pending" && node.querySelector("img.thumbnail")?.naturalWidth === 48)));
    await ann.reload();
    check("after a reload, still signed in, with both messages and the photo pending",
      await eventually(async () => {
        const shown = await texts(ann);
        const pending = (await statuses(ann)).filter((status) => status === "pending").length;
        const photo = await ann.$eval("#messages .message.mine >> nth=-1 >> img.thumbnail", (image) => image.naturalWidth);
        return shown.includes("offline one") && shown.includes("offline two") && pending === 3 && photo === 48;
      }));
    check("the photo's markup name is its alt text, nothing else",
      (await ann.$eval("#messages img.thumbnail", (image) => image.alt)) === photoName
        && (await ann.$$("#messages img[src='x']")).length === 0);

    // Still offline, ann answers bob's message and reacts to her first one: both wait in
    // the outbox with the messages.
    const fromBob = "#messages .message:not(.mine) >> nth=0";
    await ann.hover(fromBob);
    await ann.click(`${fromBob} >> button:text("Reply")`);
    check("the message replied to shows above the composer",
      (await ann.textContent("#replying-text")).includes("hi ann"), await ann.textContent("#replying-text"));
    await say(ann, "offline reply");
    const annFirst = "#messages .message.mine >> nth=0";
    await ann.hover(annFirst);
    await ann.click(`${annFirst} >> button:text("👍")`);
    check("the offline reply quotes its parent and the reaction shows at once",
      await eventually(async () => (await ann.textContent("#messages .message.mine >> nth=-1 >> .quote")).includes("hi ann")
        && (await chips(ann))[0] === "👍 1"),
      JSON.stringify(await chips(ann)));

    // The server is back; the browsers say so.
    await server.start();
    for (const page of [ann, bob]) await page.evaluate(() => window.dispatchEvent(new Event("online")));
    const expected = ["hello bob", "are you there?", "ping", "hi ann", "offline one", "offline two", "offline reply"];
    check("bob sees the photo's thumbnail after the offline messages, before the reply",
      await eventually(() => bob.$$eval("#messages .message", (nodes) => {
        const at = nodes.findIndex((node) => node.querySelector("img.thumbnail")?.naturalWidth === 48);
        return at === 6 && nodes[at].querySelector("img.thumbnail").alt.endsWith(".png") && nodes.length === 8;
      }), 30));
    check("ann's pending messages are delivered to bob",
      await eventually(async () => JSON.stringify(await texts(bob)) === JSON.stringify(expected), 30),
      JSON.stringify(await texts(bob)));
    check("both pages show the same history, in order, each message once",
      await eventually(async () => JSON.stringify(await texts(ann)) === JSON.stringify(expected)),
      JSON.stringify(await texts(ann)));
    check("nothing is pending any more", await eventually(async () => !(await statuses(ann)).includes("pending")));
    check("bob sees the reply quoting his message, and the reaction counted once",
      await eventually(async () => (await bob.textContent("#messages .message >> nth=-1 >> .quote")).includes("hi ann")
        && JSON.stringify(await chips(bob)) === JSON.stringify(["👍 1", "", "", "", "", "", "", ""])
        && JSON.stringify(await chips(ann)) === JSON.stringify(["👍 1", "", "", "", "", "", "", ""])),
      JSON.stringify(await chips(bob)));
    await bob.fill("#search-query", "offline REPLY");
    await bob.press("#search-query", "Enter");
    check("search finds the reply on the server",
      await eventually(async () => (await bob.$$eval("#search-results .preview", (nodes) => nodes.map((node) => node.textContent)))
        .some((text) => text.endsWith("offline reply"))));

    // A message that looks like HTML is text.
    const attack = "<img src=x onerror=alert(1)>";
    await say(bob, attack);
    check("markup arrives as text",
      await eventually(async () => (await texts(ann)).at(-1) === attack));
    check("no element was created from it",
      (await ann.$$("#messages .text *")).length === 0 && (await ann.$$("#messages img[src='x']")).length === 0);
    check("no script ran", dialogs.length === 0, JSON.stringify(dialogs));

    // Report and block from the message menu (in-page forms, no browser dialogs).
    const lastFromBob = "#messages .message:not(.mine) >> nth=-1";
    await ann.hover(lastFromBob);
    await ann.click(`${lastFromBob} >> button:text("Report")`);
    await ann.fill("#report-reason", "abusive markup");
    await ann.click("#report-form button[type=submit]");
    check("a message is reported from its menu",
      await eventually(async () => (await ann.textContent("#notice")).includes("Reported")),
      await ann.textContent("#notice"));
    // Ann's tablet (a second browser context signed in as her) has the room open too.
    const annTablet = await (await browser.newContext()).newPage();
    check("ann signs in on a second device", await login(annTablet, server, annName));
    await eventually(async () => (await annTablet.$$("#rooms button")).length > 0);
    await annTablet.click(`#rooms button:text("${bobName}")`);
    check("her tablet shows bob's messages",
      await eventually(async () => (await texts(annTablet)).includes("hi ann")),
      JSON.stringify(await texts(annTablet)));
    await ann.hover(lastFromBob);
    await ann.click(`${lastFromBob} >> button:text("Block sender")`);
    await ann.click("#confirm-yes");
    /** Both of bob's messages on `page` are hidden behind the blocked-user notice. */
    const hidesBob = (page) => eventually(async () => {
      const shown = await texts(page);
      return shown.filter((text) => text === "Message from a blocked user").length === 2
        && !shown.includes("hi ann");
    });
    check("blocking the sender hides every message of theirs on ann's page",
      await hidesBob(ann), JSON.stringify(await texts(ann)));
    check("the block reaches her tablet live: his messages are hidden there too",
      await hidesBob(annTablet), JSON.stringify(await texts(annTablet)));
    const previews = () => ann.$$eval("#rooms .room .preview", (nodes) => nodes.map((node) => node.textContent));
    check("ann's room list no longer shows bob's message as the last one",
      await eventually(async () => (await previews()).includes("offline reply")),
      JSON.stringify(await previews()));
    await say(bob, "are you ignoring me?");
    check("bob's message to ann in their direct room is refused",
      await eventually(async () => (await statuses(bob)).at(-1) === "failed"),
      JSON.stringify(await statuses(bob)));
    check("and never reaches ann",
      !(await texts(ann)).includes("are you ignoring me?"));
    check("ann's blocked users list bob",
      await eventually(async () => (await ann.textContent("#blocked-users")).includes(bobName)),
      await ann.textContent("#blocked-users"));
    await ann.click("#blocked summary");
    await ann.click("#blocked-users button:text('Unblock')");
    check("unblocking shows his messages again",
      await eventually(async () => (await texts(ann)).includes("hi ann")
        && !(await texts(ann)).includes("Message from a blocked user")),
      JSON.stringify(await texts(ann)));
    check("and his last message is the room's again in ann's list",
      await eventually(async () => (await previews()).includes(attack)),
      JSON.stringify(await previews()));
    check("and on her tablet, live",
      await eventually(async () => (await texts(annTablet)).includes("hi ann")
        && !(await texts(annTablet)).includes("Message from a blocked user")),
      JSON.stringify(await texts(annTablet)));
    await annTablet.context().close();

    const artifacts = env("ARTIFACTS_DIR");
    mkdirSync(artifacts, { recursive: true });
    await ann.screenshot({ path: join(artifacts, "web-chat.png"), fullPage: true });
    console.log(`screenshot: ${join(artifacts, "web-chat.png")}`);
    await bob.screenshot({ path: join(artifacts, "web-attachment.png"), fullPage: true });
    console.log(`screenshot: ${join(artifacts, "web-attachment.png")}`);
    // The viewer opens on a click, the medium thumbnail first, then the file itself.
    await bob.click("#messages img.thumbnail");
    check("the viewer shows the photo at full size",
      await eventually(() => bob.$eval("#viewer-image", (image) => image.naturalWidth === 48 && !image.closest("[hidden]"))));
    await bob.press("body", "Escape");

    // The other ways to attach: a file dropped on the conversation, one pasted into the
    // draft (both events built in the page, as a drag from the desktop and a paste of a
    // screenshot deliver them).
    const attachBy = (how, name) => ann.evaluate(([how, data, name]) => {
      const files = new DataTransfer();
      files.items.add(new File([Uint8Array.from(atob(data), (c) => c.charCodeAt(0))], name, { type: "image/png" }));
      const init = { bubbles: true, cancelable: true };
      if (how === "drop") {
        document.querySelector(".chat").dispatchEvent(new DragEvent("drop", { ...init, dataTransfer: files }));
      } else {
        document.getElementById("draft").dispatchEvent(new ClipboardEvent("paste", { ...init, clipboardData: files }));
      }
    }, [how, png, name]);
    const bobShows = (name) => bob.$$eval("#messages img.thumbnail", (images, name) =>
      images.some((image) => image.alt === name && image.naturalWidth === 48), name);
    await attachBy("drop", "dropped.png");
    check("a photo dropped on the conversation reaches bob as a thumbnail", await eventually(() => bobShows("dropped.png")));
    await attachBy("paste", "pasted.png");
    check("a photo pasted into the draft reaches bob as a thumbnail", await eventually(() => bobShows("pasted.png")));

    // Upload progress: with the page's uploads slowed to 64 KB/s, a 320 KB file shows a
    // bar under its pending message until it is stored.
    const throttle = await ann.context().newCDPSession(ann);
    await throttle.send("Network.enable");
    const uploadSpeed = (bytesPerSecond) => throttle.send("Network.emulateNetworkConditions",
      { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
    await uploadSpeed(64 * 1024);
    const big = Buffer.alloc(320 * 1024, 7);
    await ann.setInputFiles("#attach-input", { name: "big.bin", mimeType: "application/octet-stream", buffer: big });
    check("a progress bar shows while the file uploads",
      await eventually(() => ann.$eval("#messages .message.mine >> nth=-1", (node) =>
        node.dataset.status === "pending" && node.querySelector("progress")?.max === 320 * 1024)));
    await uploadSpeed(-1);
    check("once stored, the bar is gone and bob has the file to download",
      await eventually(async () => (await ann.$$("#messages progress")).length === 0
        && (await bob.$$eval("#messages button.file", (files) => files.some((file) => file.textContent.includes("big.bin")))), 30));
    await throttle.detach();

    // A file the server refuses (PNG bytes said to be a JPEG) fails with the reason;
    // Retry queues it again (here while the server is down, so it waits), and the
    // server's answer fails it again; Discard removes it.
    const wrong = "#messages .message.mine >> nth=-1";
    await ann.setInputFiles("#attach-input", { name: "wrong.jpg", mimeType: "image/jpeg", buffer: Buffer.from(png, "base64") });
    check("a refused file fails its message, with the reason and Retry",
      await eventually(async () => (await ann.$eval(wrong, (node) => node.dataset.status)) === "failed"
        && (await ann.textContent(`${wrong} >> .failure`)).includes("image/png")
        && (await ann.isVisible(`${wrong} >> button:text("Retry")`))),
      await ann.textContent("#messages .message.mine >> nth=-1"));
    await server.kill();
    await ann.click(`${wrong} >> button:text("Retry")`);
    check("retried, it waits in the outbox while the server is away",
      await eventually(async () => (await ann.$eval(wrong, (node) => node.dataset.status)) === "pending"));
    await server.start();
    for (const page of [ann, bob]) await page.evaluate(() => window.dispatchEvent(new Event("online")));
    check("back online, the server refuses it again",
      await eventually(async () => (await ann.$eval(wrong, (node) => node.dataset.status)) === "failed", 30));
    await ann.click(`${wrong} >> button:text("Discard")`);
    check("discarded, it is gone, and bob never saw it",
      await eventually(async () => !(await ann.$$eval("#messages img.thumbnail", (images) => images.map((image) => image.alt))).includes("wrong.jpg"))
        && !(await bob.$$eval("#messages img.thumbnail", (images) => images.map((image) => image.alt))).includes("wrong.jpg"));

    // Profiles and pictures: ann names herself and picks a picture; bob's page shows it
    // on their direct room and beside her name, live. A group's owner sets its picture.
    const loaded = (page, selector) => page.$$eval(selector, (images) =>
      images.some((image) => image.tagName === "IMG" && image.naturalWidth > 0));
    await ann.click("#edit-profile");
    await ann.fill("#profile-name", "Ann Example");
    await ann.setInputFiles("#profile-picture", { name: "me.png", mimeType: "image/png", buffer: Buffer.from(png, "base64") });
    await ann.click("#profile-form button[type=submit]");
    check("a name and a picture are saved from the page, and show at its top",
      await eventually(async () => (await ann.textContent("#me-name")) === "Ann Example"
        && (await loaded(ann, "#me-avatar .avatar"))),
      await ann.textContent("#notice"));
    check("bob's page pictures their direct room with ann's picture, live",
      await eventually(() => loaded(bob, "#rooms .room .avatar")));
    check("and shows her new name and picture among the room's members",
      await eventually(async () => (await bob.textContent("#members")).includes("Ann Example")
        && (await loaded(bob, "#members .avatar"))),
      await bob.textContent("#members"));
    check("a direct room offers no room picture", await ann.isHidden("#room-picture"));
    await ann.fill("#new-chat-name", `pictures_${suffix}`);
    await ann.click("button[data-action=room]");
    check("the owner of a group is offered its picture",
      await eventually(async () => (await ann.textContent("#room-name")) === `pictures_${suffix}`
        && (await ann.isVisible("#room-picture"))));
    await ann.setInputFiles("#room-picture-input", { name: "cover.png", mimeType: "image/png", buffer: Buffer.from(png, "base64") });
    check("the group's picture shows in its header and in the room list",
      await eventually(async () => (await loaded(ann, "#room-avatar .avatar"))
        && (await ann.$$eval("#rooms .room.current img.avatar", (images) => images.length)) === 1),
      await ann.textContent("#notice"));
    // An invite link to the group: bob opens it on his page, agrees, and is in.
    await ann.click("#invite-button");
    check("the group's invite link shows, to copy",
      await eventually(async () => (await ann.inputValue("#invite-link")).includes("#invite=")),
      await ann.textContent("#notice"));
    const link = await ann.inputValue("#invite-link");
    await ann.click("#invite-close");
    await bob.goto(link);
    check("opening it asks bob whether to join the group",
      await eventually(async () => (await bob.isVisible("#confirm"))
        && (await bob.textContent("#confirm-text")).includes(`Join pictures_${suffix} (1 member)?`)),
      await bob.textContent("#confirm-text"));
    await bob.click("#confirm-yes");
    check("and joining opens the room on his page",
      await eventually(async () => (await bob.textContent("#room-name")) === `pictures_${suffix}`
        && (await bob.textContent("#notice")).includes("You joined")),
      await bob.textContent("#notice"));
    await ann.click("#edit-profile");
    await ann.click("#profile-remove-picture");
    check("removing her picture brings back her initial on bob's page",
      await eventually(async () => !(await loaded(bob, "#members .avatar"))
        && (await bob.$$eval("#members .avatar.initial", (nodes) => nodes.map((node) => node.textContent))).includes("A")),
      await bob.textContent("#members"));
    await ann.fill("#new-chat-name", bobName);
    await ann.click("button[data-action=direct]");
    await eventually(async () => (await ann.textContent("#room-name")) === bobName);

    // Staying signed in, and signing out for real: the page keeps the refresh token the
    // SDK renews the session with, and signing out revokes it on the server.
    const typings = readFileSync(join(env("WEB_ROOT"), "pkg", "chat_wasm.d.ts"), "utf8");
    check("the TypeScript types declare refreshSession, signOut, currentSession and sessionRenewed",
      ["refreshSession(", "signOut(", "currentSession(): Session | undefined", "sessionRenewed", "refreshToken?"]
        .every((name) => typings.includes(name)));
    check("the TypeScript types declare the room list",
      ["roomList(): RoomSummary[]", "refreshRoomList(): Promise<RoomSummary[]>", "roomListChanged", "unreadCount: number"]
        .every((name) => typings.includes(name)),
      ["roomList(): RoomSummary[]", "refreshRoomList(): Promise<RoomSummary[]>", "roomListChanged", "unreadCount: number"]
        .filter((name) => !typings.includes(name)).join(", "));
    // The SDK's and the protocol's types declare themselves (tsify, in their own crates):
    // each declaration reaches the bundle only if the bindings link it in.
    const declared = ["type ClientEvent =", "type ConnectionState =", "type DisconnectReason =",
      "type MessageStatus =", "type ErrorCode =", "type ReceiptKind =", "type PresenceStatus =",
      "type RoomVisibility =", "type RoomKind =", "interface LocalMessage", "interface Session",
      "interface RoomSummary", "interface LastMessage", "interface UserProfile",
      "interface RoomMember", "interface RoomNotice", "type NoticeChange =", "interface RoomDetails",
      "interface RoomBan", "interface BlockedUser", "interface Report", "type MemberRole =",
      "type LeaveReason =", "type WhoCanAdd =", "type MembershipChange =", "interface MessageReaction",
      "interface SearchPage", "interface ThreadPage", "interface MessageAttachment",
      "type ThumbnailVariant =", "interface AttachmentLinks", "interface Device", "type PushPlatform =",
      "type PushEnvironment =", "interface SignIn", "type RoomPlacement ="];
    const moderation = ["endMembership(", "removeMember(", "setMemberRole(", "banUser(", "unbanUser(",
      "roomBans(", "roomDetails(", "updateRoom(", "notices(", "blockUser(", "unblockUser(",
      "blockedUsers(", "report(", "deleteAccount(", "changePassword(currentPassword: string, newPassword: string): Promise<Session>",
      "resetPassword(resetToken: string, newPassword: string): Promise<Session>", "sendMessageWith(", "react(", "pin(", "pins(",
      "cachedPins(", "replies(", "searchMessages(", "searchLocal(", "mentionCount: number", "changeFailed",
      "replyTo: string | undefined", "reactions: MessageReaction[]", "sendAttachment(roomId: string, file: Blob",
      "pendingFile(", "thumbnail(", "downloadAttachment(", "attachmentLinks(", "uploadProgress",
      "attachments: MessageAttachment[]", "registerWebPush(", "unregisterPush(", "pushDevices(", "vapidPublicKey(", "setMute(roomId: string",
      "signIns(): Promise<SignIn[]>", "endSignIn(signInId: string): Promise<void>", "endOtherSignIns(): Promise<number>",
      "setDeviceName(name?: string | null): void", "myProfile(): Promise<UserProfile>",
      "userProfile(userId: string): Promise<UserProfile>", "setDisplayName(displayName: string): Promise<UserProfile>",
      "setAvatar(file: Blob): Promise<UserProfile>", "removeAvatar(): Promise<UserProfile>",
      "setRoomAvatar(roomId: string, file: Blob): Promise<RoomDetails>",
      "removeRoomAvatar(roomId: string): Promise<RoomDetails>", "avatarId?: string",
      "createInvite(roomId: string, expiresInSecs?: number | null, maxUses?: number | null): Promise<RoomInvite>",
      "invites(roomId: string): Promise<RoomInvite[]>", "revokeInvite(roomId: string, inviteId: string): Promise<void>",
      "invitePreview(code: string): Promise<InvitePreview>", "joinWithInvite(code: string): Promise<string>",
      "setRoomPlacement(roomId: string, placement?: RoomPlacement | null): Promise<void>", "placement?: RoomPlacement",
      "exportMyData(): Promise<Uint8Array>", "markRoomUnread(roomId: string, unread: boolean): Promise<void>",
      "markedUnread: boolean", "saveMessage(roomId: string, messageId: string, saved: boolean): Promise<void>",
      "savedMessages(before: string | null | undefined, limit: number): Promise<SavedPage>", "interface SavedItem"];
    check("the TypeScript types declare membership, moderation, blocks, reports, password changes, sign-ins, profiles and pictures, invite links, placements, unread marks, saved messages, data exports, account deletion, rich messages and attachments",
      moderation.every((name) => typings.includes(name)),
      moderation.filter((name) => !typings.includes(name)).join(", "));
    check("the TypeScript types declare every value the API takes, returns or sends",
      declared.every((name) => typings.includes(`export ${name}`)),
      declared.filter((name) => !typings.includes(`export ${name}`)).join(", "));
    const stored = await ann.evaluate(() => JSON.parse(localStorage.getItem("chat.session")).session.refreshToken);
    check("the stored session carries a refresh token", typeof stored === "string" && stored.length > 0);
    // An app of another auth service hands the SDK a function for fresh tokens: a
    // client with no session connects with what the function's Promise resolves to.
    const provided = await bob.evaluate(async (serverUrl) => {
      const { ChatClient } = await import("./pkg/chat_wasm.js");
      const token = JSON.parse(localStorage.getItem("chat.session")).session.token;
      const client = await ChatClient.open(serverUrl, undefined);
      let asked = 0;
      client.setTokenProvider(async () => { asked += 1; return token; });
      client.connect();
      for (let i = 0; i < 100 && client.connectionState().state !== "connected"; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const state = client.connectionState().state;
      client.shutdown();
      return { state, asked };
    }, server.url);
    check("a JavaScript token provider connects a client without a session",
      provided.state === "connected" && provided.asked >= 1, JSON.stringify(provided));
    check("the TypeScript types declare setTokenProvider", typings.includes("setTokenProvider(provider: () => Promise<string | undefined>"));

    // Push: the page offers notifications (the server has a VAPID key), and a push the
    // browser receives (delivered through DevTools, as a push service would) is shown
    // by the service worker as a notification, one per room.
    const pushContext = await browser.newContext();
    await pushContext.grantPermissions(["notifications"], { origin: server.url });
    const pushPage = await pushContext.newPage();
    check("ann signs in on a device that allows notifications", await login(pushPage, server, annName));
    check("the page offers to turn notifications on",
      await eventually(async () => (await pushPage.isVisible("#push-toggle"))
        && (await pushPage.textContent("#push-toggle")) === "Turn on notifications"));
    const cdp = await pushContext.newCDPSession(pushPage);
    const registrations = [];
    cdp.on("ServiceWorker.workerRegistrationUpdated", (event) => registrations.push(...event.registrations));
    await cdp.send("ServiceWorker.enable");
    await pushPage.evaluate(() => navigator.serviceWorker.ready.then(() => true));
    check("the page's service worker is registered",
      await eventually(async () => registrations.some((registration) => !registration.isDeleted)));
    const { registrationId } = registrations.find((registration) => !registration.isDeleted) ?? {};
    const pushed = {
      title: "plans", body: "New message in plans", badge: 3, room_id: "0193a0c2-7d5e-7c3a-9d1e-2f4b6a8c0e11",
      message_id: "01a207c7-3d6c-725e-9648-74056559d585", seq: 12, notification_id: "n-1", mentioned: false,
    };
    for (const body of ["New message in plans", "Another message in plans"]) {
      await cdp.send("ServiceWorker.deliverPushMessage", {
        origin: server.url, registrationId, data: JSON.stringify({ ...pushed, body }),
      });
    }
    const shown = () => pushPage.evaluate(() => navigator.serviceWorker.ready
      .then((registration) => registration.getNotifications())
      .then((notifications) => notifications.map((n) => ({ title: n.title, body: n.body, tag: n.tag, room: n.data?.room_id }))));
    check("the service worker shows the newest push of the room as its notification",
      await eventually(async () => {
        const notifications = await shown();
        return notifications.length === 1 && notifications[0].title === "plans"
          && notifications[0].body === "Another message in plans" && notifications[0].tag === pushed.room_id
          && notifications[0].room === pushed.room_id;
      }),
      JSON.stringify(await shown().catch((error) => error.message)));
    await pushContext.close();

    // Before he goes, bob downloads his data: a file with his messages and rooms.
    const [download] = await Promise.all([bob.waitForEvent("download"), bob.click("#export-data")]);
    const exported = JSON.parse(readFileSync(await download.path(), "utf8"));
    check("\"Download my data\" saves chat-export.json with bob's profile, rooms and messages",
      download.suggestedFilename() === "chat-export.json" && exported.profile.username === bobName
        && exported.rooms.length > 0 && exported.messages.some((message) => message.content === "hi ann"),
      `${download.suggestedFilename()} ${exported.profile?.username} ${exported.messages?.length}`);

    // Bob deletes his account, erasing his messages: his page signs out, and on ann's
    // page his messages become deleted ones.
    await bob.click("#delete-account");
    await bob.fill("#delete-password", "correct horse battery");
    await bob.check("#delete-erase");
    await bob.click("#delete-account-form button[type=submit]");
    check("deleting the account signs bob out",
      await eventually(async () => (await bob.isVisible("#username"))
        && (await bob.textContent("#login-error")).includes("deleted")));
    check("and his messages are erased on ann's page",
      await eventually(async () => (await texts(ann)).filter((text) => text === "message deleted").length === 2),
      JSON.stringify(await texts(ann)));
    const newcomer = await (await browser.newContext()).newPage();
    check("his name can be taken again", await register(newcomer, server, bobName));

    // The newcomer changes his password from the page: it stays signed in, and only the
    // new password signs in elsewhere.
    await newcomer.click("#change-password");
    await newcomer.fill("#current-password", "correct horse battery");
    await newcomer.fill("#new-password", "battery staple horse");
    await newcomer.click("#password-form button[type=submit]");
    check("a password is changed from the page, which stays signed in",
      await eventually(async () => (await newcomer.textContent("#notice")).includes("Password changed")
        && (await newcomer.isVisible("#app"))),
      await newcomer.textContent("#notice"));
    const laptop = await (await browser.newContext()).newPage();
    check("the new password signs in on another device",
      await login(laptop, server, bobName, "battery staple horse"));

    // The newcomer lists his sign-ins on the page and signs the laptop out from there.
    await newcomer.click("#devices summary");
    const signIns = () => newcomer.locator("#sign-ins li").allTextContents();
    check("the page lists its sign-ins by browser, this one marked",
      await eventually(async () => {
        const items = await signIns();
        return items.length === 2 && items.every((item) => item.includes("Chrome on Linux"))
          && items.filter((item) => item.includes("This device")).length === 1;
      }),
      JSON.stringify(await signIns()));
    await newcomer.click("#sign-ins li button:has-text('Sign out')");
    check("signing the laptop out from the list signs that browser out",
      await eventually(async () => (await laptop.textContent("#banner")).includes("signed out")),
      await laptop.textContent("#banner"));
    check("and the list then holds this device only",
      await eventually(async () => (await signIns()).length === 1), JSON.stringify(await signIns()));
    check("this page stays signed in", await newcomer.isVisible("#app"));
    await laptop.context().close();
    const oldPassword = await fetch(`${server.url}/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: bobName, password: "correct horse battery" }),
    });
    check("and the old one no longer does", oldPassword.status === 401, `${oldPassword.status}`);

    // He forgets it: a server admin's reset code sets a new one from the sign-in page.
    const post = (path, token, body) => fetch(`${server.url}${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    }).then((response) => response.json());
    const root = await post("/v1/auth/register", null, { username: "root", password: "correct horse battery" });
    const newcomerId = (await post("/v1/auth/login", null, { username: bobName, password: "battery staple horse" })).user_id;
    const granted = await post(`/v1/admin/users/${newcomerId}/password-reset`, root.token);
    const forgetful = await (await browser.newContext()).newPage();
    await forgetful.goto(server.url);
    await forgetful.click("#reset summary");
    await forgetful.fill("#reset-username", bobName);
    await forgetful.fill("#reset-token", granted.reset_token);
    await forgetful.fill("#reset-password", "forgotten no more");
    await forgetful.click("#reset-form button[type=submit]");
    check("a reset code from an admin sets a new password from the sign-in page and signs in",
      await eventually(() => forgetful.isVisible("#app")), await forgetful.textContent("#login-error"));
    check("and the newcomer's other page is signed out",
      await eventually(async () => (await newcomer.textContent("#banner")).includes("signed out")),
      await newcomer.textContent("#banner"));
    await forgetful.context().close();


    // Hiding the page stores the client's current session (over a stale copy here).
    const rewritten = await ann.evaluate(() => {
      const saved = JSON.parse(localStorage.getItem("chat.session"));
      saved.session.refreshToken = "stale";
      localStorage.setItem("chat.session", JSON.stringify(saved));
      Object.defineProperty(document, "hidden", { value: true, configurable: true });
      document.dispatchEvent(new Event("visibilitychange"));
      delete document.hidden;
      return JSON.parse(localStorage.getItem("chat.session")).session.refreshToken;
    });
    check("hiding the page stores the client's current session", rewritten === stored, `${rewritten}`);
    await ann.click("#sign-out");
    check("signing out shows the sign-in form", await eventually(() => ann.isVisible("#username")));
    const refused = await eventually(async () => (await fetch(`${server.url}/v1/auth/refresh`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ refresh_token: stored }),
    })).status === 401);
    check("and the server no longer accepts its refresh token", refused);
  } finally {
    await browser.close();
    await server.kill();
  }
}

try {
  await main();
} catch (error) {
  check("the run completes", false, error.stack);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
