//! The bounded queue in front of the blocking work that peers cause (checking gossiped checkpoints,
//! serving ranges, reading checkpoints to gossip): a fixed set of worker threads, and a queue that
//! refuses work when full instead of growing, so that a flooding peer costs the node a bounded
//! amount of memory and threads. Owned by the swarm actor and joined when it stops.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

type Job = Box<dyn FnOnce() + Send + 'static>;

/// Worker threads behind a bounded queue.
#[derive(Debug)]
pub(super) struct WorkQueue {
    queue: Option<SyncSender<Job>>,
    workers: Vec<JoinHandle<()>>,
}

impl WorkQueue {
    /// Starts `workers` threads named `name`, behind a queue of `capacity` jobs.
    ///
    /// # Errors
    /// When a thread cannot be started.
    pub(super) fn start(name: &str, workers: usize, capacity: usize) -> std::io::Result<Self> {
        let (queue, jobs) = sync_channel::<Job>(capacity);
        let jobs = Arc::new(Mutex::new(jobs));
        let workers = (0..workers.max(1))
            .map(|n| {
                let jobs = jobs.clone();
                std::thread::Builder::new()
                    .name(format!("{name}-{n}"))
                    .spawn(move || work(&jobs))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(WorkQueue {
            queue: Some(queue),
            workers,
        })
    }

    /// Queues `job`; false (and the job dropped) when the queue is full or stopped.
    pub(super) fn try_run(&self, job: impl FnOnce() + Send + 'static) -> bool {
        let Some(queue) = &self.queue else {
            return false;
        };
        match queue.try_send(Box::new(job)) {
            Ok(()) => true,
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => false,
        }
    }

    /// Closes the queue, lets the workers finish the jobs queued, and joins them. Blocking.
    pub(super) fn shutdown(mut self) {
        self.queue = None;
        for worker in std::mem::take(&mut self.workers) {
            let _ = worker.join();
        }
    }
}

/// A worker's loop: runs jobs until the queue is closed and empty. A job that panics is contained
/// (logged) so the worker goes on.
fn work(jobs: &Mutex<Receiver<Job>>) {
    loop {
        let job = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
            tracing::error!("a peer's job panicked; the worker goes on");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn a_full_queue_refuses_and_every_accepted_job_runs() {
        let queue = WorkQueue::start("test", 1, 2).unwrap();
        let (hold, held) = std::sync::mpsc::channel::<()>();
        let (started, start) = std::sync::mpsc::channel::<()>();
        let done = Arc::new(AtomicUsize::new(0));
        // The one worker blocks on the first job; two more fill the queue.
        assert!(queue.try_run(move || {
            let _ = started.send(());
            let _ = held.recv();
        }));
        start.recv().unwrap();
        let mut accepted = 0;
        for _ in 0..10 {
            let done = done.clone();
            if queue.try_run(move || {
                done.fetch_add(1, Ordering::SeqCst);
            }) {
                accepted += 1;
            }
        }
        assert_eq!(
            accepted, 2,
            "the queue holds 2 jobs; the other 8 were refused"
        );
        hold.send(()).unwrap();
        queue.shutdown();
        assert_eq!(done.load(Ordering::SeqCst), accepted);
    }

    #[test]
    fn a_panicking_job_does_not_stop_the_worker() {
        let queue = WorkQueue::start("test", 1, 4).unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        assert!(queue.try_run(|| panic!("hostile input")));
        let counter = done.clone();
        assert!(queue.try_run(move || {
            counter.fetch_add(1, Ordering::SeqCst);
        }));
        queue.shutdown();
        assert_eq!(done.load(Ordering::SeqCst), 1);
    }
}
