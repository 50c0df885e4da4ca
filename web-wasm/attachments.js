// Attachments: thumbnails in the bubble (bytes from the SDK, which keeps them in its
// cache, shown through Blob URLs, so they render offline too), a pending image from
// the outbox's own copy, upload progress, a full-size viewer, downloads; and the
// composer's file input, drag-and-drop and paste. File names are text, never markup.

const BOX = 240; // the longest side of a thumbnail in the bubble, in CSS pixels

/** Blob URLs by what they show; each made once per page. */
const urls = new Map();

function blobUrl(key, load, type) {
  if (!urls.has(key)) {
    const made = load().then((bytes) => URL.createObjectURL(new Blob([bytes], { type })));
    made.catch(() => urls.delete(key)); // offline or not yet there: asked again next time
    urls.set(key, made);
  }
  return urls.get(key);
}

const isImage = (attachment) =>
  attachment.thumbnailWidth !== undefined || (!attachment.attachmentId && attachment.mime.startsWith("image/"));

export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** A Blob URL of an uploaded image's thumbnail (`"small"` or `"medium"`), made once per page. */
export function thumbnailUrl(client, attachmentId, variant) {
  return blobUrl(`${attachmentId}/${variant}`, () => client.thumbnail(attachmentId, variant), "image/jpeg");
}

/** Where an image attachment's picture comes from: the server's thumbnail, or (still in the outbox) the file itself. */
function picture(client, message, attachment, variant) {
  if (attachment.attachmentId) {
    return thumbnailUrl(client, attachment.attachmentId, variant);
  }
  return blobUrl(`${message.clientMsgId}/${attachment.position}`, async () => {
    const bytes = client.pendingFile(message.clientMsgId, attachment.position);
    if (!bytes) throw new Error("uploaded meanwhile");
    return bytes;
  }, attachment.mime);
}

/** The box an image takes before it loads, from its thumbnail's size. */
function fit(attachment) {
  const width = attachment.thumbnailWidth ?? BOX;
  const height = attachment.thumbnailHeight ?? Math.round(BOX * 0.75);
  const scale = Math.min(1, BOX / Math.max(width, height));
  return [Math.max(1, Math.round(width * scale)), Math.max(1, Math.round(height * scale))];
}

/**
 * A message's attachments: images as thumbnails (click: the viewer), other files as a
 * download button; a progress bar while the user's own message uploads.
 */
export function gallery(message, { client, progress, onOpen, onDownload }) {
  const box = document.createElement("div");
  box.className = "attachments";
  for (const attachment of message.attachments) {
    if (isImage(attachment)) {
      const image = document.createElement("img");
      image.className = "thumbnail";
      image.alt = attachment.name; // a property: plain text
      [image.width, image.height] = fit(attachment);
      picture(client, message, attachment, "small")
        .then((url) => { image.src = url; })
        .catch(() => image.classList.add("missing"));
      if (attachment.attachmentId) image.addEventListener("click", () => onOpen(attachment));
      box.append(image);
    } else {
      const file = document.createElement("button");
      file.type = "button";
      file.className = "file";
      file.textContent = `📎 ${attachment.name} · ${formatSize(attachment.size)}`;
      file.disabled = !attachment.attachmentId;
      file.addEventListener("click", () => onDownload(attachment));
      box.append(file);
    }
    const sent = progress.get(`${message.clientMsgId}/${attachment.position}`);
    if (message.status.state === "pending" && !attachment.attachmentId && sent) {
      const bar = document.createElement("progress");
      bar.max = sent.total;
      bar.value = sent.sent;
      bar.title = `${formatSize(sent.sent)} of ${formatSize(sent.total)}`;
      box.append(bar);
    }
  }
  return box;
}

/** The full-size viewer: the medium thumbnail at once, then the file itself. */
export function openViewer(client, attachment) {
  const viewer = document.getElementById("viewer");
  const image = document.getElementById("viewer-image");
  document.getElementById("viewer-name").textContent = attachment.name;
  image.alt = attachment.name;
  image.removeAttribute("src");
  viewer.hidden = false;
  const shown = attachment.attachmentId;
  picture(client, null, attachment, "medium").then((url) => {
    if (viewer.dataset.showing === shown) image.src = url;
  }).catch(() => {});
  blobUrl(`${attachment.attachmentId}/original`, () => client.downloadAttachment(attachment.attachmentId), attachment.mime)
    .then((url) => { if (viewer.dataset.showing === shown) image.src = url; })
    .catch(() => {}); // offline: the thumbnail stays
  viewer.dataset.showing = shown;
}

export function closeViewer() {
  const viewer = document.getElementById("viewer");
  viewer.hidden = true;
  delete viewer.dataset.showing;
}

/** Saves a file: fetched with the session's token, handed to the browser as a download. */
export async function download(client, attachment) {
  const bytes = await client.downloadAttachment(attachment.attachmentId);
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const link = document.createElement("a");
  link.href = url;
  link.download = attachment.name;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/**
 * Files chosen with the composer's button, dropped on the conversation, or pasted
 * into the draft: `onFiles(files)` with each batch.
 */
export function wireComposer(onFiles) {
  const input = document.getElementById("attach-input");
  document.getElementById("attach").addEventListener("click", () => input.click());
  input.addEventListener("change", () => {
    if (input.files.length > 0) onFiles([...input.files]);
    input.value = "";
  });
  const chat = document.querySelector(".chat");
  chat.addEventListener("dragover", (event) => {
    if (event.dataTransfer?.types.includes("Files")) {
      event.preventDefault();
      chat.classList.add("dropping");
    }
  });
  chat.addEventListener("dragleave", () => chat.classList.remove("dropping"));
  chat.addEventListener("drop", (event) => {
    chat.classList.remove("dropping");
    if (event.dataTransfer?.files.length > 0) {
      event.preventDefault();
      onFiles([...event.dataTransfer.files]);
    }
  });
  document.getElementById("draft").addEventListener("paste", (event) => {
    const files = [...(event.clipboardData?.files ?? [])];
    if (files.length > 0) {
      event.preventDefault();
      onFiles(files);
    }
  });
  document.getElementById("viewer-close").addEventListener("click", closeViewer);
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape") closeViewer();
  });
}
