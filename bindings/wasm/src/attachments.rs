//! Attachments for JavaScript: a `File` or `Blob` sent through the durable outbox,
//! thumbnails (bytes for a `Blob` URL, from the cache when held), downloads and signed
//! links; each method delegates to the SDK.

use chat_sdk::ThumbnailVariant;
use chat_sdk::cache::{LocalMessage, NewFile};
use tsify::Ts;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::client::{ChatClient, typed};
use crate::convert::AttachmentLinks;
use crate::error::to_js;

type Result<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
impl ChatClient {
    /// Sends a file (a `File` from an `<input type=file>`, a drop or a paste, or any
    /// `Blob`) with an optional caption: copied into the cache and queued at once
    /// (resolves once that is in IndexedDB, so a reload keeps it), uploaded when the
    /// network allows and sent in order with the room's other messages. `name` defaults
    /// to the `File`'s name; the type is the `Blob`'s (the server checks it against the
    /// bytes). `uploadProgress` events follow.
    #[wasm_bindgen(js_name = sendAttachment)]
    pub async fn send_attachment(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        file: web_sys::Blob,
        name: Option<String>,
        caption: Option<String>,
    ) -> Result<Ts<LocalMessage>> {
        self.send_attachment_with(room_id, file, name, caption, None, Vec::new())
            .await
    }

    /// `sendAttachment` as a reply (`replyTo`: a message id of the room) that mentions
    /// members (`mentions`: user ids).
    #[wasm_bindgen(js_name = sendAttachmentWith)]
    pub async fn send_attachment_with(
        &self,
        #[wasm_bindgen(js_name = roomId)] room_id: String,
        file: web_sys::Blob,
        name: Option<String>,
        caption: Option<String>,
        #[wasm_bindgen(js_name = replyTo)] reply_to: Option<String>,
        mentions: Vec<String>,
    ) -> Result<Ts<LocalMessage>> {
        let file = read_blob(&file, name).await?;
        let echo = self
            .inner
            .send_attachments_with(
                &room_id,
                vec![file],
                caption.as_deref().unwrap_or_default(),
                reply_to,
                mentions,
            )
            .map_err(to_js)?;
        self.inner.persisted().await.map_err(to_js)?;
        typed(&echo)
    }

    /// The bytes of a file of a pending message that waits to be uploaded (to show it
    /// before the server has it); `undefined` once uploaded.
    #[wasm_bindgen(js_name = pendingFile)]
    pub fn pending_file(
        &self,
        #[wasm_bindgen(js_name = clientMsgId)] client_msg_id: String,
        position: u32,
    ) -> Result<Option<Vec<u8>>> {
        self.inner
            .pending_file(&client_msg_id, position)
            .map_err(to_js)
    }

    /// An image's thumbnail (`"small"` or `"medium"`), from the cache or fetched once
    /// and cached: make a `Blob` URL of it for an `<img>`, which works offline too.
    pub async fn thumbnail(
        &self,
        #[wasm_bindgen(js_name = attachmentId)] attachment_id: String,
        variant: Ts<ThumbnailVariant>,
    ) -> Result<Vec<u8>> {
        let variant = variant
            .to_rust()
            .map_err(|e| crate::error::bad_argument("variant", e))?;
        self.inner
            .thumbnail(&attachment_id, variant)
            .await
            .map_err(to_js)
    }

    /// The whole file of an attachment (not cached).
    #[wasm_bindgen(js_name = downloadAttachment)]
    pub async fn download_attachment(
        &self,
        #[wasm_bindgen(js_name = attachmentId)] attachment_id: String,
    ) -> Result<Vec<u8>> {
        self.inner
            .download_attachment(&attachment_id)
            .await
            .map_err(to_js)
    }

    /// Links to an attachment and its thumbnails that work without a token until
    /// `expiresAt` (an `<img src>`, a download link), relative to the server's URL.
    #[wasm_bindgen(js_name = attachmentLinks)]
    pub async fn attachment_links(
        &self,
        #[wasm_bindgen(js_name = attachmentId)] attachment_id: String,
    ) -> Result<Ts<AttachmentLinks>> {
        let links = self
            .inner
            .attachment_links(&attachment_id)
            .await
            .map_err(to_js)?;
        typed(&AttachmentLinks::from(links))
    }
}

/// A `Blob`'s bytes, named `name`, else the `File`'s name (else "file"), of the `Blob`'s
/// type (else `application/octet-stream`: the server decides from the bytes).
pub(crate) async fn read_blob(file: &web_sys::Blob, name: Option<String>) -> Result<NewFile> {
    let name = name
        .or_else(|| file.dyn_ref::<web_sys::File>().map(web_sys::File::name))
        .unwrap_or_else(|| "file".to_owned());
    let mime = match file.type_() {
        declared if declared.is_empty() => "application/octet-stream".to_owned(),
        declared => declared,
    };
    let buffer = JsFuture::from(file.array_buffer()).await?;
    Ok(NewFile {
        name,
        mime,
        bytes: js_sys::Uint8Array::new(&buffer).to_vec(),
    })
}
