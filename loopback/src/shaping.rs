//! A bandwidth limit on what the server writes: one link shared by all its connections, as a
//! client behind one network path to Pyxis would see it.

use std::future::Future as _;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// The most one write may send at once: at 100 Mbit/s, about 1.3 ms of link time, so that
/// concurrent connections interleave finely.
const MAX_WRITE: usize = 16 * 1024;

/// Link time that may be caught up after a late timer (tokio's timer has millisecond
/// granularity): without it, every late wake-up would lower the rate below the limit.
const CATCH_UP: Duration = Duration::from_millis(10);

/// A link of a fixed rate: each write reserves its share of link time, one after the other.
#[derive(Debug)]
pub(crate) struct Link {
    bytes_per_second: u64,
    /// When the link has sent everything reserved so far.
    free_at: Mutex<Instant>,
}

impl Link {
    /// A link of `bytes_per_second` (at least 1).
    pub(crate) fn new(bytes_per_second: u64) -> Self {
        Link {
            bytes_per_second: bytes_per_second.max(1),
            free_at: Mutex::new(Instant::now()),
        }
    }

    /// How long until the link is free to send; zero when it is free now.
    fn wait(&self) -> Duration {
        let free_at = *self.free_at.lock().unwrap_or_else(PoisonError::into_inner);
        free_at.saturating_duration_since(Instant::now())
    }

    /// Reserves the link time of `bytes` just sent.
    fn spend(&self, bytes: usize) {
        let mut free_at = self.free_at.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let start = (*free_at).max(now.checked_sub(CATCH_UP).unwrap_or(now));
        *free_at = start + Duration::from_secs_f64(bytes as f64 / self.bytes_per_second as f64);
    }
}

/// A connection whose writes go through a [`Link`] (none: unlimited).
pub(crate) struct Shaped<S> {
    inner: S,
    link: Option<Arc<Link>>,
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<S> Shaped<S> {
    pub(crate) fn new(inner: S, link: Option<Arc<Link>>) -> Self {
        Shaped {
            inner,
            link,
            sleep: None,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Shaped<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Shaped<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let Some(link) = &this.link else {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        };
        loop {
            if let Some(sleep) = &mut this.sleep {
                ready!(sleep.as_mut().poll(cx));
                this.sleep = None;
            }
            let wait = link.wait();
            if wait.is_zero() {
                break;
            }
            this.sleep = Some(Box::pin(tokio::time::sleep(wait)));
        }
        let len = buf.len().min(MAX_WRITE);
        let written = ready!(Pin::new(&mut this.inner).poll_write(cx, &buf[..len]))?;
        link.spend(written);
        Poll::Ready(Ok(written))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt as _;

    use super::*;

    #[test]
    fn each_write_reserves_its_share_of_link_time() {
        // 1 MB/s: 100 kB take 100 ms of link time.
        let link = Link::new(1_000_000);
        assert!(link.wait().is_zero());
        link.spend(100_000);
        let wait = link.wait();
        assert!(wait > Duration::from_millis(50) && wait <= Duration::from_millis(100));
        link.spend(100_000);
        assert!(
            link.wait() > Duration::from_millis(150),
            "{:?}",
            link.wait()
        );
    }

    #[test]
    fn shaped_writes_deliver_every_byte_in_small_pieces() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        let link = Arc::new(Link::new(100_000_000));
        let mut shaped = Shaped::new(Vec::new(), Some(link));
        let written = runtime.block_on(shaped.write(&[7; 3 * MAX_WRITE])).unwrap();
        assert_eq!(written, MAX_WRITE);
        runtime.block_on(shaped.write_all(&[7; 100_000])).unwrap();
        assert_eq!(shaped.inner.len(), MAX_WRITE + 100_000);
        let mut unlimited = Shaped::new(Vec::new(), None);
        runtime
            .block_on(unlimited.write_all(&[7; 100_000]))
            .unwrap();
        assert_eq!(unlimited.inner.len(), 100_000);
    }
}
