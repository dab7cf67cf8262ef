//! A shared budget for one top-level input: decompressed bytes and a deadline.
//!
//! Nested parsers (a zip inside a mail inside a zip) all draw from the same [`Budget`], so a
//! bomb spread over many small members is caught as surely as one big stream.

use crate::{Error, LimitKind, Limits};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Decompressed-byte allowance and wall-clock deadline shared by everything parsed for one
/// top-level input. Cheap to check; safe to share between threads.
#[derive(Debug)]
pub struct Budget {
    limits: Limits,
    used: AtomicU64,
    start: Instant,
    deadline: Instant,
}

impl Budget {
    /// Starts a budget now, from the given limits.
    pub fn new(limits: &Limits) -> Self {
        let start = Instant::now();
        Budget {
            limits: limits.clone(),
            used: AtomicU64::new(0),
            start,
            deadline: start + limits.max_wall(),
        }
    }

    /// The limits this budget enforces.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Records `bytes` more decompressed output; fails once the total exceeds
    /// [`Limits::max_decompressed_bytes`].
    pub fn consume(&self, bytes: u64) -> Result<(), Error> {
        let total = self
            .used
            .fetch_add(bytes, Ordering::Relaxed)
            .saturating_add(bytes);
        if total > self.limits.max_decompressed_bytes {
            return Err(Error::limit(
                LimitKind::DecompressedSize,
                total,
                self.limits.max_decompressed_bytes,
            ));
        }
        Ok(())
    }

    /// Decompressed bytes recorded so far.
    pub fn used(&self) -> u64 {
        self.used.load(Ordering::Relaxed)
    }

    /// Fails once the wall-clock deadline has passed. Call it in every loop that may run long.
    pub fn check_time(&self) -> Result<(), Error> {
        if Instant::now() > self.deadline {
            let ms = self.start.elapsed().as_millis() as u64;
            return Err(Error::limit(
                LimitKind::WallTime,
                ms,
                self.limits.max_wall_ms,
            ));
        }
        Ok(())
    }

    /// Time left before the deadline (zero once it has passed).
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consume_fails_past_the_limit_and_names_it() {
        let limits = Limits {
            max_decompressed_bytes: 100,
            ..Limits::default()
        };
        let b = Budget::new(&limits);
        assert!(b.consume(60).is_ok());
        let err = b.consume(60).unwrap_err();
        assert_eq!(err.limit_kind(), Some(LimitKind::DecompressedSize));
        assert_eq!(b.used(), 120);
    }

    #[test]
    fn zero_wall_time_expires() {
        let limits = Limits {
            max_wall_ms: 0,
            ..Limits::default()
        };
        let b = Budget::new(&limits);
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(
            b.check_time().unwrap_err().limit_kind(),
            Some(LimitKind::WallTime)
        );
    }
}
