//! Local endpoints speaking the real protocols of APNs, FCM and Web Push, for the push
//! tests of one process (tests/integration/push.rs) and of a cluster: each verifies what
//! the real service would (the JWT, the OAuth grant, the VAPID signature, the
//! encryption) and answers what a test scripts.

pub mod apns;
pub mod fcm;
pub mod web_push;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

/// Answers to give, in order, before the default success.
#[derive(Debug, Default, Clone)]
pub struct Script(Arc<Mutex<VecDeque<u16>>>);

impl Script {
    /// The next requests get these statuses.
    pub fn answer(&self, statuses: &[u16]) {
        self.0.lock().unwrap().extend(statuses);
    }

    fn next(&self) -> Option<u16> {
        self.0.lock().unwrap().pop_front()
    }
}

/// One push an endpoint accepted or refused: the device it was for, what it said
/// (decoded), and the status it got.
#[derive(Debug, Clone)]
pub struct Pushed {
    pub device: String,
    pub payload: Value,
    pub status: u16,
}

/// What an endpoint has received so far.
#[derive(Debug, Default, Clone)]
pub struct Log(Arc<Mutex<Vec<Pushed>>>);

impl Log {
    fn record(&self, pushed: Pushed) {
        self.0.lock().unwrap().push(pushed);
    }

    pub fn all(&self) -> Vec<Pushed> {
        self.0.lock().unwrap().clone()
    }

    /// The pushes delivered (2xx) to `device`, once there are `count`.
    pub async fn delivered_to(&self, device: &str, count: usize) -> Vec<Value> {
        for _ in 0..500 {
            let delivered: Vec<Value> = self
                .all()
                .into_iter()
                .filter(|p| p.device == device && p.status < 300)
                .map(|p| p.payload)
                .collect();
            if delivered.len() >= count {
                return delivered;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "fewer than {count} pushes delivered to {device}: {:?}",
            self.all()
        );
    }

    /// How many requests for `device` arrived, whatever they were answered.
    pub fn requests_for(&self, device: &str) -> usize {
        self.all().iter().filter(|p| p.device == device).count()
    }
}

/// Writes `text` to `name` in `dir` and returns the path.
pub fn write_file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Seconds since the Unix epoch (JWT time).
fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
