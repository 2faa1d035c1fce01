//! Cleanup that must happen in `Drop`, which cannot await and may run while
//! the test's own runtime is shutting down (after a panic too).

use std::future::Future;

/// Runs `cleanup` to completion on a runtime of its own, on its own thread.
pub fn run_to_completion<F>(cleanup: F)
where
    F: Future<Output = ()> + Send + 'static,
{
    let _ = std::thread::spawn(move || {
        if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            runtime.block_on(cleanup);
        }
    })
    .join();
}
