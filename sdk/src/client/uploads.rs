//! Uploading the files of pending messages: the outbox's first message whose file is
//! not on the server yet gets it uploaded (`POST /v1/uploads`), file after file, in the
//! order the messages were written; once a message's last file is through, the core
//! sends it. A message waiting for its files holds back its room's later entries, so
//! a photo and the text after it arrive in the order written.
//!
//! The files wait in the cache, so an upload survives an app restart. A network
//! failure is retried with backoff (and at once when a connection comes up); a refusal
//! for good (too large, a type the server does not take) fails the message, with the
//! server's reason. A file the server stored just before the app died is uploaded
//! again on the next run: the first copy is never sent and expires on the server.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, Weak};
use std::time::Duration;

use chat_protocol::v1::{Attachment, ErrorCode};
use tokio::sync::{Notify, mpsc};

use super::ClientError;
use super::bridge::{Command, Shared};
use super::events::ClientEvent;
use crate::cache::Upload;
use crate::core::Input;

/// First wait after a failed upload; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_secs(1);
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// Longest an upload may take natively (25 MiB at 350 kbit/s).
#[cfg(not(target_arch = "wasm32"))]
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

/// Bytes per piece of an upload's body: a progress event per piece.
#[cfg(not(target_arch = "wasm32"))]
const PIECE: usize = 256 * 1024;

/// Uploads the outbox's files, one at a time.
#[derive(Debug)]
pub(crate) struct Uploader {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    /// Weak: the shared state owns this uploader.
    pub(crate) shared: Weak<Shared>,
    /// Weak: the client's commands end when the app's `ChatClient` goes.
    pub(crate) commands: mpsc::WeakUnboundedSender<Command>,
    /// Wakes the loop: a message with files was queued or retried, or a connection
    /// came up.
    pub(crate) wake: Notify,
    pub(crate) closed: AtomicBool,
    pub(crate) backoff: Mutex<Duration>,
}

/// How one pass ended.
enum Pass {
    /// Nothing waits.
    Done,
    /// An upload failed for now (network, server busy): try again later.
    Later,
}

impl Uploader {
    pub(crate) fn new(
        http: reqwest::Client,
        base_url: String,
        shared: Weak<Shared>,
        commands: mpsc::WeakUnboundedSender<Command>,
    ) -> Self {
        Self {
            http,
            base_url,
            shared,
            commands,
            wake: Notify::new(),
            closed: AtomicBool::new(false),
            backoff: Mutex::new(FIRST_BACKOFF),
        }
    }

    /// Asks the loop to look at the outbox again.
    pub(crate) fn kick(&self) {
        self.wake.notify_one();
    }

    /// Ends the loop.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// The loop a platform runs for the client's lifetime; `sleep` is its timer.
    pub(crate) async fn run<F: Future<Output = ()>>(&self, sleep: impl Fn(Duration) -> F) {
        while !self.closed.load(Ordering::SeqCst) {
            match self.pass().await {
                Pass::Done => {
                    *self.backoff.lock().expect("backoff lock") = FIRST_BACKOFF;
                    self.wake.notified().await;
                }
                Pass::Later => {
                    let wait = {
                        let mut backoff = self.backoff.lock().expect("backoff lock");
                        let wait = *backoff;
                        *backoff = (wait * 2).min(MAX_BACKOFF);
                        wait
                    };
                    // Whichever comes first: the backoff, or a reason to try at once.
                    let slept = std::pin::pin!(sleep(wait));
                    let woken = std::pin::pin!(self.wake.notified());
                    futures_util::future::select(slept, woken).await;
                }
            }
        }
    }

    /// Uploads waiting files until none is left or one fails for now.
    async fn pass(&self) -> Pass {
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return Pass::Done;
            }
            let Some(shared) = self.shared.upgrade() else {
                return Pass::Done;
            };
            let job = match shared.cache.lock().expect("cache lock").next_upload() {
                Ok(Some(job)) => job,
                Ok(None) => return Pass::Done,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the outbox's files");
                    return Pass::Later;
                }
            };
            let Some(token) = shared.token.lock().expect("token lock").clone() else {
                // Not signed in yet: signing in connects, which kicks this loop.
                return Pass::Done;
            };
            match self.upload(&token, &job).await {
                Ok(attachment) => {
                    *self.backoff.lock().expect("backoff lock") = FIRST_BACKOFF;
                    let done = shared.cache.lock().expect("cache lock").file_uploaded(
                        &job.client_msg_id,
                        job.position,
                        &attachment,
                    );
                    match done {
                        Ok(Some(attachment_ids)) => self.input(Input::Uploaded {
                            client_msg_id: job.client_msg_id.clone(),
                            attachment_ids,
                        }),
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "recording an upload");
                            return Pass::Later;
                        }
                    }
                }
                Err(ClientError::Server { code, message })
                    if !code.is_retryable() && code != ErrorCode::Unauthorized =>
                {
                    // Recorded here too, so that the next pass skips the message even
                    // before the core's report of the failure is handled.
                    if let Err(e) = shared.cache.lock().expect("cache lock").failed(
                        &job.client_msg_id,
                        code,
                        &message,
                    ) {
                        tracing::warn!(error = %e, "recording a refused upload");
                    }
                    self.input(Input::UploadRefused {
                        client_msg_id: job.client_msg_id.clone(),
                        code,
                        message,
                    });
                }
                Err(e) => {
                    tracing::info!(error = %e, "an upload will be tried again");
                    return Pass::Later;
                }
            }
        }
    }

    fn input(&self, input: Input) {
        if let Some(commands) = self.commands.upgrade() {
            let _ = commands.send(Command::Input(Box::new(input)));
        }
    }

    /// `POST /v1/uploads` of one file, with progress events.
    async fn upload(&self, token: &str, job: &Upload) -> Result<Attachment, ClientError> {
        let mut url = reqwest::Url::parse(&format!("{}/v1/uploads", self.base_url))
            .map_err(|e| ClientError::Network(e.to_string()))?;
        url.query_pairs_mut().append_pair("filename", &job.name);
        let progress = Progress {
            shared: self.shared.clone(),
            room_id: job.room_id.clone(),
            client_msg_id: job.client_msg_id.clone(),
            position: job.position,
            total: job.bytes.len() as u64,
        };
        progress.report(0);
        let request = self
            .http
            .post(url)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, job.mime.as_str())
            .header(reqwest::header::CONTENT_LENGTH, progress.total)
            .body(body(job.bytes.clone(), progress.clone()));
        // The client's 30 s for a whole request is too short for 25 MiB on a slow
        // mobile link; a stalled upload still fails by the server's body timeout.
        #[cfg(not(target_arch = "wasm32"))]
        let request = request.timeout(UPLOAD_TIMEOUT);
        let response = request.send().await?;
        if !response.status().is_success() {
            return Err(super::rest::refusal(response).await);
        }
        let attachment = response.json::<Attachment>().await?;
        // In the browser the body went in one piece: this is the only report of it.
        #[cfg(target_arch = "wasm32")]
        progress.report(progress.total);
        Ok(attachment)
    }
}

/// Reports how far one file's upload got.
#[derive(Debug, Clone)]
struct Progress {
    shared: Weak<Shared>,
    room_id: String,
    client_msg_id: String,
    position: u32,
    total: u64,
}

impl Progress {
    fn report(&self, sent_bytes: u64) {
        if let Some(shared) = self.shared.upgrade() {
            shared.emit(ClientEvent::UploadProgress {
                room_id: self.room_id.clone(),
                client_msg_id: self.client_msg_id.clone(),
                position: self.position,
                sent_bytes,
                total_bytes: self.total,
            });
        }
    }
}

/// The request body: natively, pieces that report how far the upload got as the
/// connection takes them; in the browser, the whole file (fetch reports no progress).
#[cfg(not(target_arch = "wasm32"))]
fn body(bytes: Vec<u8>, progress: Progress) -> reqwest::Body {
    let pieces: Vec<Vec<u8>> = bytes.chunks(PIECE).map(<[u8]>::to_vec).collect();
    drop(bytes);
    let mut sent = 0u64;
    let pieces = pieces.into_iter().map(move |piece| {
        sent += piece.len() as u64;
        progress.report(sent);
        Ok::<_, std::io::Error>(piece)
    });
    reqwest::Body::wrap_stream(futures_util::stream::iter(pieces))
}

#[cfg(target_arch = "wasm32")]
fn body(bytes: Vec<u8>, _progress: Progress) -> reqwest::Body {
    reqwest::Body::from(bytes)
}
