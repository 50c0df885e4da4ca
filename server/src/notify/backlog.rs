//! The bound on what a notification sender holds (queued, in flight or waiting to
//! retry), and the wait at shutdown until all of it is settled: a process stopped for a
//! deployment sends what it had accepted rather than dropping it.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// One permit per item held, from admission until it is settled (sent, refused or out
/// of attempts).
#[derive(Debug, Clone)]
pub struct Backlog {
    places: Arc<Semaphore>,
    bound: u32,
}

impl Backlog {
    /// A backlog of at most `bound` items (at least one).
    pub fn new(bound: usize) -> Self {
        let bound = u32::try_from(bound.max(1)).unwrap_or(u32::MAX >> 3);
        Self {
            places: Arc::new(Semaphore::new(bound as usize)),
            bound,
        }
    }

    /// A place for one more item; `None` when `bound` are held (the caller drops it).
    pub fn admit(&self) -> Option<OwnedSemaphorePermit> {
        Arc::clone(&self.places).try_acquire_owned().ok()
    }

    /// Waits until nothing is held, or until `deadline`; whether everything was settled.
    /// Items admitted meanwhile are waited for too; none can be admitted once this
    /// returns true (the places stay taken).
    pub async fn settled(&self, deadline: Instant) -> bool {
        match tokio::time::timeout_at(deadline, self.places.acquire_many(self.bound)).await {
            Ok(Ok(all)) => {
                all.forget();
                true
            }
            Ok(Err(_)) | Err(_) => false,
        }
    }

    /// Items held right now.
    pub fn held(&self) -> usize {
        (self.bound as usize).saturating_sub(self.places.available_permits())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn it_admits_up_to_its_bound_and_again_once_a_place_is_freed() {
        let backlog = Backlog::new(2);
        let one = backlog.admit().expect("first");
        let _two = backlog.admit().expect("second");
        assert!(backlog.admit().is_none(), "full");
        assert_eq!(backlog.held(), 2);
        drop(one);
        assert!(backlog.admit().is_some());
    }

    #[tokio::test(start_paused = true)]
    async fn settled_waits_for_what_is_held_and_gives_up_at_the_deadline() {
        let backlog = Backlog::new(4);
        let held = backlog.admit().expect("a place");
        let release = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            drop(held);
        });
        assert!(
            backlog
                .settled(Instant::now() + Duration::from_secs(5))
                .await
        );
        release.await.unwrap();
        assert!(
            backlog.admit().is_none(),
            "nothing is admitted after it settled"
        );

        let stuck = Backlog::new(4);
        let _never = stuck.admit().expect("a place");
        assert!(!stuck.settled(Instant::now() + Duration::from_secs(2)).await);
        assert!(
            stuck.admit().is_some(),
            "a wait that gave up takes no place"
        );
    }
}
