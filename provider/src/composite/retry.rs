//! Bounded retries for AWS eventual consistency, stopped by the deadline or the stop signal.

use std::future::Future;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use super::CompositeError;

/// When an operation must give up: its timeout or a stop request.
#[derive(Debug, Clone)]
pub struct Deadline {
    at: Instant,
    timeout: Duration,
    stop: CancellationToken,
}

impl Deadline {
    /// `timeout` from now, or earlier if `stop` is cancelled.
    pub fn new(timeout: Duration, stop: CancellationToken) -> Self {
        Self {
            at: Instant::now() + timeout,
            timeout,
            stop,
        }
    }

    /// Sleep `d`, or fail if the deadline passes or a stop is requested first.
    pub async fn sleep(&self, d: Duration, what: &str) -> Result<(), CompositeError> {
        if self.stop.is_cancelled() {
            return Err(self.stopped(what));
        }
        let now = Instant::now();
        if now + d > self.at {
            return Err(CompositeError::new(
                format!("Timed out {what}"),
                format!(
                    "gave up after {:?}; raise the resource's `timeouts` if AWS is slow",
                    self.timeout
                ),
            ));
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => Ok(()),
            _ = self.stop.cancelled() => Err(self.stopped(what)),
        }
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
