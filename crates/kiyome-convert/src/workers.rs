//! Worker threads that render pages while the calling thread keeps the clock.
//!
//! hayro cannot be interrupted inside a page. The calling thread therefore never renders: it
//! starts one worker per core (`rayon::current_num_threads()`, so `RAYON_NUM_THREADS` applies),
//! collects the pages as they come, and checks the file's budget and the time of every page in
//! flight every few milliseconds. On the first failure or overrun it returns at once; the
//! workers take no further page, and a worker caught inside an overrunning page is
//! *abandoned*: it finishes that one page (hayro's work on a page is finite: its input is
//! bounded by the file, the pixel limit and hayro's own nesting limits), discards it and ends.
//! At most [`abandoned_cap`] such pages may be running in the process at once; while that many
//! are, new renderings are refused (blocked with `limit.page_time`), so hostile files cannot
//! pile up work in a long-running gateway.

use kiyome_core::{Budget, Error, LimitKind};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Pages abandoned by their renderings (past their time limit) and still running.
static ABANDONED: AtomicUsize = AtomicUsize::new(0);

/// How often the calling thread looks at the clock while waiting for pages.
const TICK: Duration = Duration::from_millis(10);

/// Stack of each worker: hayro recurses into nested forms, patterns and Type 3 glyphs.
const STACK: usize = 16 << 20;

const IDLE: u8 = 0;
const BUSY: u8 = 1;
const GONE: u8 = 2;

/// The most abandoned pages allowed to run at once in the process.
pub(crate) fn abandoned_cap() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .max(2)
}

/// Abandoned pages (renderings that overran `max_page_ms`) still running in this process.
pub fn abandoned_pages() -> usize {
    ABANDONED.load(Ordering::SeqCst)
}

/// The work of one worker: take pages with [`Pages::next`], report each with [`Pages::done`].
pub(crate) type Task<T> = Arc<dyn Fn(&Pages<T>) + Send + Sync>;

enum Msg<T> {
    Page(usize, Result<T, Error>),
    Fail(Error),
}

struct Slot {
    state: AtomicU8,
    since_ms: AtomicU64,
}

struct Shared {
    count: usize,
    next: AtomicUsize,
    cancel: AtomicBool,
    t0: Instant,
    slots: Vec<Slot>,
}

impl Shared {
    fn now_ms(&self) -> u64 {
        self.t0.elapsed().as_millis() as u64
    }
}

/// A worker's view of the pages to render.
pub(crate) struct Pages<T> {
    shared: Arc<Shared>,
    slot: usize,
    tx: mpsc::Sender<Msg<T>>,
}

impl<T> Pages<T> {
    /// The next page to render, or `None` when all are taken or the rendering was stopped.
    /// Starts that page's clock.
    pub(crate) fn next(&self) -> Option<usize> {
        if self.shared.cancel.load(Ordering::SeqCst) {
            return None;
        }
        let idx = self.shared.next.fetch_add(1, Ordering::SeqCst);
        if idx >= self.shared.count {
            return None;
        }
        let slot = &self.shared.slots[self.slot];
        slot.since_ms.store(self.shared.now_ms(), Ordering::SeqCst);
        slot.state.store(BUSY, Ordering::SeqCst);
        Some(idx)
    }

    /// Reports page `idx`; returns whether to go on.
    pub(crate) fn done(&self, idx: usize, result: Result<T, Error>) -> bool {
        let slot = &self.shared.slots[self.slot];
        if slot
            .state
            .compare_exchange(BUSY, IDLE, Ordering::SeqCst, Ordering::SeqCst)
            .is_err()
        {
            // Abandoned by the caller, who has stopped waiting: drop the page and end.
            ABANDONED.fetch_sub(1, Ordering::SeqCst);
            return false;
        }
        self.tx.send(Msg::Page(idx, result)).is_ok() && !self.shared.cancel.load(Ordering::SeqCst)
    }

    /// Reports a failure that stops the rendering (the document cannot be opened).
    pub(crate) fn fail(&self, e: Error) {
        let _ = self.tx.send(Msg::Fail(e));
    }
}

/// On every return of [`run`]: no more pages are taken, and workers inside a page are
/// counted as abandoned.
struct Stop(Arc<Shared>);

impl Drop for Stop {
    fn drop(&mut self) {
        self.0.cancel.store(true, Ordering::SeqCst);
        for slot in &self.0.slots {
            ABANDONED.fetch_add(1, Ordering::SeqCst);
            if slot
                .state
                .compare_exchange(BUSY, GONE, Ordering::SeqCst, Ordering::SeqCst)
                .is_err()
            {
                ABANDONED.fetch_sub(1, Ordering::SeqCst);
            }
        }
    }
}

/// Runs `task` on worker threads over pages `0..count` and returns their results in page
/// order, or the first error, or a time limit: `max_page_ms` for any one page, the budget's
/// wall time for the whole.
pub(crate) fn run<T: Send + 'static>(
    count: usize,
    task: Task<T>,
    budget: &Budget,
    max_page_ms: u64,
) -> Result<Vec<T>, Error> {
    let abandoned = abandoned_pages();
    if abandoned >= abandoned_cap() {
        // Earlier renderings overran and their pages still run: refuse rather than pile on.
        return Err(Error::limit(
            LimitKind::PageTime,
            abandoned as u64,
            abandoned_cap() as u64,
        ));
    }
    let workers = rayon::current_num_threads().clamp(1, count.max(1));
    let shared = Arc::new(Shared {
        count,
        next: AtomicUsize::new(0),
        cancel: AtomicBool::new(false),
        t0: Instant::now(),
        slots: (0..workers)
            .map(|_| Slot {
                state: AtomicU8::new(IDLE),
                since_ms: AtomicU64::new(0),
            })
            .collect(),
    });
    let _stop = Stop(shared.clone());
    let (tx, rx) = mpsc::channel();
    for slot in 0..workers {
        let pages = Pages {
            shared: shared.clone(),
            slot,
            tx: tx.clone(),
        };
        let task = task.clone();
        let spawned = std::thread::Builder::new()
            .name("kiyome-render".into())
            .stack_size(STACK)
            .spawn(move || {
                if catch_unwind(AssertUnwindSafe(|| task(&pages))).is_err() {
                    // The page in hand is lost; the caller stops the rendering.
                    let slot = &pages.shared.slots[pages.slot];
                    if slot.state.swap(IDLE, Ordering::SeqCst) == GONE {
                        ABANDONED.fetch_sub(1, Ordering::SeqCst);
                    }
                    pages.fail(Error::Parse {
                        format: "internal",
                        detail: "renderer failure contained".into(),
                    });
                }
            });
        if let Err(e) = spawned {
            return Err(Error::Io(e));
        }
    }
    drop(tx);
    let mut results: Vec<Option<T>> = (0..count).map(|_| None).collect();
    let mut received = 0;
    while received < count {
        match rx.recv_timeout(TICK) {
            Ok(Msg::Page(idx, Ok(v))) => {
                if let Some(r) = results.get_mut(idx)
                    && r.is_none()
                {
                    *r = Some(v);
                    received += 1;
                }
            }
            Ok(Msg::Page(_, Err(e)) | Msg::Fail(e)) => return Err(e),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Error::parse(
                    "pdf",
                    "the renderer stopped before every page was rendered",
                ));
            }
        }
        budget.check_time()?;
        let now = shared.now_ms();
        for slot in &shared.slots {
            if slot.state.load(Ordering::SeqCst) == BUSY {
                let took = now.saturating_sub(slot.since_ms.load(Ordering::SeqCst));
                if took > max_page_ms {
                    return Err(Error::limit(LimitKind::PageTime, took, max_page_ms));
                }
            }
        }
    }
    Ok(results.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kiyome_core::Limits;

    fn task(sleep_on: Option<usize>, ms: u64) -> Task<usize> {
        Arc::new(move |pages: &Pages<usize>| {
            while let Some(i) = pages.next() {
                if Some(i) == sleep_on {
                    std::thread::sleep(Duration::from_millis(ms));
                }
                if !pages.done(i, Ok(i * 10)) {
                    return;
                }
            }
        })
    }

    #[test]
    fn results_come_back_in_page_order() {
        let budget = Budget::new(&Limits::default());
        let got = run(50, task(None, 0), &budget, 1000).unwrap();
        assert_eq!(got, (0..50).map(|i| i * 10).collect::<Vec<_>>());
    }

    #[test]
    fn a_page_past_its_limit_stops_the_rendering_at_once_and_its_worker_ends() {
        let budget = Budget::new(&Limits::default());
        let start = Instant::now();
        let e = run(4, task(Some(2), 1500), &budget, 200).unwrap_err();
        assert_eq!(e.code(), "limit.page_time", "{e}");
        assert!(
            start.elapsed() < Duration::from_millis(1200),
            "waited {:?}",
            start.elapsed()
        );
        // The abandoned page finishes on its own and is no longer counted. (Other tests may
        // abandon pages concurrently; wait for the count to drain to zero.)
        let drained = Instant::now();
        while abandoned_pages() > 0 && drained.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(abandoned_pages(), 0);
    }

    #[test]
    fn a_failing_page_fails_the_whole_rendering() {
        let budget = Budget::new(&Limits::default());
        let t: Task<usize> = Arc::new(|pages: &Pages<usize>| {
            while let Some(i) = pages.next() {
                let r = if i == 3 {
                    Err(Error::parse("pdf", "bad page"))
                } else {
                    Ok(i)
                };
                if !pages.done(i, r) {
                    return;
                }
            }
        });
        assert_eq!(run(8, t, &budget, 1000).unwrap_err().code(), "parse.failed");
    }

    #[test]
    fn a_panicking_worker_is_contained() {
        let budget = Budget::new(&Limits::default());
        let t: Task<usize> = Arc::new(|pages: &Pages<usize>| {
            while let Some(i) = pages.next() {
                if i == 1 {
                    panic!("hostile page");
                }
                if !pages.done(i, Ok(i)) {
                    return;
                }
            }
        });
        let e = run(4, t, &budget, 1000).unwrap_err();
        assert!(e.to_string().contains("contained"), "{e}");
    }
}
