//! Bounded retries for AWS eventual consistency, stopped by the deadline or the stop signal.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::CompositeError;

/// When an operation must give up: its timeout or a stop request.
#[derive(Debug, Clone)]
pub struct Deadline {
    /// `None`: the timeout reaches past what `Instant` can represent, so only a stop ends it.
    at: Option<Instant>,
    timeout: Duration,
    stop: CancellationToken,
}

impl Deadline {
    /// `timeout` from now, or earlier if `stop` is cancelled. Never overflows: a timeout beyond
    /// what the clock can represent means "no deadline".
    pub fn new(timeout: Duration, stop: CancellationToken) -> Self {
        Self {
            at: Instant::now().checked_add(timeout),
            timeout,
            stop,
        }
    }

    /// Whether a stop was requested: callers between two AWS calls check it to return early.
    pub fn is_stopped(&self) -> bool {
        self.stop.is_cancelled()
    }

    /// Sleep `d`, or fail if the deadline passes or a stop is requested first.
    pub async fn sleep(&self, d: Duration, what: &str) -> Result<(), CompositeError> {
        if self.stop.is_cancelled() {
            return Err(self.stopped(what));
        }
        let past_deadline = match (self.at, Instant::now().checked_add(d)) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(at), Some(wake)) => wake > at,
        };
        if past_deadline {
            return Err(self.timed_out(what));
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => Ok(()),
            _ = self.stop.cancelled() => Err(self.stopped(what)),
        }
    }

    /// Fail if a stop was requested or the deadline has passed: for loops that make progress
    /// on every round (emptying a bucket page by page) and so never wait in [`Deadline::sleep`].
    pub fn check(&self, what: &str) -> Result<(), CompositeError> {
        if self.stop.is_cancelled() {
            return Err(self.stopped(what));
        }
        if self.at.is_some_and(|at| Instant::now() >= at) {
            return Err(self.timed_out(what));
        }
        Ok(())
    }

    fn timed_out(&self, what: &str) -> CompositeError {
        CompositeError::new(
            format!("Timed out {what}"),
            format!(
                "gave up after {:?}; raise the resource's `timeouts` if AWS is slow",
                self.timeout
            ),
        )
    }

    fn stopped(&self, what: &str) -> CompositeError {
        CompositeError::new(
            format!("Interrupted {what}"),
            "Terraform was interrupted; what exists so far is saved in state",
        )
    }
}

/// How often to try.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// First wait.
    pub initial: Duration,
    /// Longest wait.
    pub max: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(250),
            max: Duration::from_secs(10),
        }
    }
}

/// The outcome of one failed attempt.
#[derive(Debug)]
pub enum Attempt {
    /// Worth trying again (eventual consistency, a dependency still going away).
    Retry(CompositeError),
    /// Final.
    Fail(CompositeError),
}

/// Run `op` until it succeeds or fails finally, waiting with exponential backoff in between,
/// within `deadline`. On timeout the last error is part of the message.
pub async fn retry<T, F, Fut>(
    deadline: &Deadline,
    what: &str,
    policy: RetryPolicy,
    mut op: F,
) -> Result<T, CompositeError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Attempt>>,
{
    let mut wait = policy.initial;
    loop {
        // A stop ends the operation between AWS calls: no new attempt starts after it.
        if deadline.is_stopped() {
            return Err(deadline.stopped(what));
        }
        match op().await {
            Ok(v) => return Ok(v),
            Err(Attempt::Fail(e)) => return Err(e),
            Err(Attempt::Retry(last)) => {
                if let Err(mut gave_up) = deadline.sleep(wait, what).await {
                    gave_up.detail = format!("{}; last error: {}", gave_up.detail, last);
                    return Err(gave_up);
                }
                wait = (wait * 2).min(policy.max);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn quick() -> RetryPolicy {
        RetryPolicy {
            initial: Duration::from_millis(5),
            max: Duration::from_millis(20),
        }
    }

    #[tokio::test]
    async fn a_timeout_past_the_clock_means_no_deadline() {
        // `Instant::now() + Duration::MAX` used to panic here.
        let d = Deadline::new(Duration::MAX, CancellationToken::new());
        d.sleep(Duration::from_millis(1), "waiting").await.unwrap();
        let d = Deadline::new(Duration::from_secs(60), CancellationToken::new());
        let err = d.sleep(Duration::MAX, "waiting for X").await.unwrap_err();
        assert_eq!(err.summary, "Timed out waiting for X");
    }

    #[tokio::test]
    async fn retries_until_success() {
        let tries = AtomicUsize::new(0);
        let d = Deadline::new(Duration::from_secs(5), CancellationToken::new());
        let v = retry(&d, "creating X", quick(), || async {
            if tries.fetch_add(1, Ordering::SeqCst) < 3 {
                Err(Attempt::Retry(CompositeError::new("busy", "try again")))
            } else {
                Ok(7)
            }
        })
        .await
        .unwrap();
        assert_eq!((v, tries.load(Ordering::SeqCst)), (7, 4));
    }

    #[tokio::test]
    async fn a_stop_ends_the_wait_at_once_and_no_attempt_follows() {
        let stop = CancellationToken::new();
        let d = Deadline::new(Duration::from_secs(3600), stop.clone());
        let tries = AtomicUsize::new(0);
        let policy = RetryPolicy {
            initial: Duration::from_secs(600),
            max: Duration::from_secs(600),
        };
        let canceller = {
            let stop = stop.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                stop.cancel();
            })
        };
        let started = Instant::now();
        let err = retry(&d, "waiting for X", policy, || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Err::<(), _>(Attempt::Retry(CompositeError::new("busy", "still busy")))
        })
        .await
        .unwrap_err();
        canceller.await.unwrap();
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(err.summary, "Interrupted waiting for X");
        assert!(err.detail.contains("still busy"), "{}", err.detail);
        assert_eq!(tries.load(Ordering::SeqCst), 1);

        // Once stopped, a new retry loop does not call AWS at all.
        let err = retry(&d, "creating Y", quick(), || async {
            tries.fetch_add(1, Ordering::SeqCst);
            Ok(())
        })
        .await
        .unwrap_err();
        assert_eq!(err.summary, "Interrupted creating Y");
        assert_eq!(tries.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn the_deadline_gives_up_with_the_last_error() {
        let d = Deadline::new(Duration::from_millis(30), CancellationToken::new());
        let err = retry(&d, "deleting X", quick(), || async {
            Err::<(), _>(Attempt::Retry(CompositeError::new(
                "DependencyViolation",
                "in use",
            )))
        })
        .await
        .unwrap_err();
        assert_eq!(err.summary, "Timed out deleting X");
        assert!(err.detail.contains("in use"), "{}", err.detail);
    }
}
