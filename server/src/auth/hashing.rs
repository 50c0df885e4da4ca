//! A small, fixed set of threads for password hashing.
//!
//! Each argon2 hash allocates ~19 MiB. On tokio's blocking pool every new thread keeps
//! its own malloc arena with such a block in it, so a burst of logins left the process
//! at ~200 MB resident. A fixed pool bounds that (two threads: ~40 MB at most) and also
//! bounds how much CPU hashing can take from chat traffic.

use std::sync::mpsc::{self, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

use chat_protocol::v1::ErrorCode;
use tokio::sync::oneshot;

use crate::error::{Error, Result};

type Job = Box<dyn FnOnce() + Send>;

/// Hashes waiting beyond this are refused with `unavailable` rather than queued.
const QUEUE: usize = 64;

/// The hashing threads.
#[derive(Debug)]
pub struct HashingPool {
    jobs: SyncSender<Job>,
}

impl HashingPool {
    /// Starts `threads` hashing threads; they end when the pool is dropped.
    ///
    /// # Panics
    ///
    /// If the operating system refuses to start a thread.
    pub fn new(threads: usize) -> Self {
        let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUE);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads.max(1) {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("password-hash-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = queue.lock().map(|q| q.recv());
                        match job {
                            Ok(Ok(job)) => job(),
                            _ => return,
                        }
                    }
                })
                .expect("starting a password hashing thread");
        }
        Self { jobs }
    }

    /// Runs `work` on a hashing thread and waits for its result.
    ///
    /// # Errors
    ///
    /// `unavailable` when too many hashes are already waiting.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T> {
        let busy = || Error::new(ErrorCode::Unavailable, "the server is busy; retry shortly");
        let (reply, answer) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = reply.send(work());
        });
        self.jobs.try_send(job).map_err(|e| match e {
            TrySendError::Full(_) | TrySendError::Disconnected(_) => busy(),
        })?;
        answer.await.map_err(|_| busy())
    }
}
