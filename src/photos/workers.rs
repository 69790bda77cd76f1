//! A fixed set of long-lived threads that run [`process`](super::process) for async callers.
//!
//! Why not `tokio::task::spawn_blocking`: tokio's blocking pool starts a new thread whenever
//! none is idle (file writes use it too) and lets idle ones exit after ten seconds, and glibc's
//! malloc gives every thread that allocates its own arena (up to eight per core) and keeps what
//! is freed in it. Photos decoded on whichever blocking thread came next left their freed
//! 5–15 MB buffers (the upload's copy, the resize passes, the encoded output) in up to 16
//! arenas: 280 MB resident after 1,000 filings with a 12-megapixel photo, 225 MB of it in those
//! arenas (scripts/bench-photo-memory.sh, docs/benchmarks-photos.md). On a fixed set of
//! threads every photo reuses the same arena, and the number of threads bounds how many photos
//! decode at once, as the semaphore did before.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::{PhotoError, PhotoLimits, ProcessedPhoto, process};

type Job = Box<dyn FnOnce() + Send>;

/// The photo threads. Dropping the last handle lets the threads finish their queue and exit.
pub struct PhotoWorkers {
    jobs: Sender<Job>,
}

/// The photo threads are gone (a job panicked outside the pipeline's own guard, or they could
/// not be started).
#[derive(Debug, thiserror::Error)]
#[error("the photo processing threads stopped")]
pub struct WorkersStopped;

impl PhotoWorkers {
    /// Starts `threads` threads (at least one) named `photo-N`.
    pub fn start(threads: usize) -> std::io::Result<Self> {
        let (sender, receiver) = channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads.max(1) {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("photo-{n}"))
                .spawn(move || run(&receiver))?;
        }
        Ok(Self { jobs: sender })
    }

    /// Runs the pipeline on one of the threads, after the photos queued before it; returns
    /// the result and how long the pipeline took (without the wait).
    pub async fn process(
        &self,
        bytes: Vec<u8>,
        limits: PhotoLimits,
    ) -> Result<(Result<ProcessedPhoto, PhotoError>, Duration), WorkersStopped> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let started = Instant::now();
            let processed = process(&bytes, &limits);
            // The caller may have gone away (client disconnected): nothing to tell then.
            let _ = done.send((processed, started.elapsed()));
        });
        self.jobs.send(job).map_err(|_| WorkersStopped)?;
        result.await.map_err(|_| WorkersStopped)
    }
}

impl PhotoWorkers {
    /// Runs other photo work (a redaction) on one of the threads, in the same queue as the
    /// uploads, so it shares their bound on how many images are decoded at once.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, WorkersStopped> {
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        self.jobs.send(job).map_err(|_| WorkersStopped)?;
        result.await.map_err(|_| WorkersStopped)
    }
}

/// One thread: takes the next job until every sender is gone.
fn run(receiver: &Mutex<Receiver<Job>>) {
    loop {
        // The lock is held only while waiting for a job, never while running one.
        let job = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => return,
        };
        match job {
            // `process` catches the decoders' panics itself; this keeps the thread alive should
            // anything else panic.
            Ok(job) => {
                let _ = panic::catch_unwind(AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_the_pipeline_and_survives_bad_input() {
        let workers = PhotoWorkers::start(1).unwrap();
        let (refused, _) = workers
            .process(b"not an image".to_vec(), PhotoLimits::default())
            .await
            .unwrap();
        assert_eq!(refused, Err(PhotoError::UnsupportedType));
        let mut png = Vec::new();
        image::DynamicImage::ImageRgb8(image::RgbImage::new(40, 30))
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let (processed, took) = workers.process(png, PhotoLimits::default()).await.unwrap();
        let photo = processed.unwrap();
        assert_eq!((photo.width, photo.height), (40, 30));
        assert!(took > Duration::ZERO);
    }
}
