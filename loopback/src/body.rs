//! Response bodies, including the deliberately broken ones: a body that
//! stops half-way through its declared length, a very large streamed one and
//! a gzip bomb; and the count of body bytes sent.

use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Bytes, Frame, SizeHint};
use tokio::time::Sleep;

use crate::compress::Bomb;

/// How long a truncated body waits after its first half so that the half is
/// flushed to the client before the connection is torn down.
const TRUNCATION_PAUSE: Duration = Duration::from_millis(50);

const HUGE_PREFIX: &[u8] =
    br#"{"data":{"find_images":{"error":null,"page":0,"page_size":50,"total":1,"data":["#;
const HUGE_ITEM: &[u8] = br#"{"_id":"5d0a00000000000000000000","architecture":"amd64","brew":{"build":"filler-container-1.0-1","package":"filler-container"}},"#;
const HUGE_CHUNK_ITEMS: usize = 512;

/// A response body.
#[derive(Debug)]
pub(crate) enum ReplyBody {
    /// The whole body at once.
    Full(Option<Bytes>),
    /// Sends `sent`, then fails after a pause while still declaring `declared` bytes.
    Truncated {
        sent: Option<Bytes>,
        declared: u64,
        pause: Option<Pin<Box<Sleep>>>,
    },
    /// `remaining` bytes of JSON-looking filler, generated chunk by chunk;
    /// `streamed` hides the length (chunked transfer encoding).
    Huge {
        total: u64,
        streamed: bool,
        remaining: usize,
        prefix_done: bool,
        chunk: Bytes,
    },
    /// A gzip stream of zeros, compressed as it is sent, with no declared length.
    GzipBomb(Bomb),
}

/// The error that aborts a deliberately broken body (and its connection).
#[derive(Debug)]
pub(crate) struct Aborted;

impl std::fmt::Display for Aborted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("response body aborted on purpose")
    }
}

impl std::error::Error for Aborted {}

impl ReplyBody {
    pub(crate) fn full(bytes: impl Into<Bytes>) -> Self {
        ReplyBody::Full(Some(bytes.into()))
    }

    /// Declares all of `whole` but sends only its first half.
    pub(crate) fn truncated(whole: Bytes) -> Self {
        let half = whole.slice(..whole.len() / 2);
        ReplyBody::Truncated {
            sent: Some(half),
            declared: whole.len() as u64,
            pause: None,
        }
    }

    pub(crate) fn huge(bytes: usize) -> Self {
        ReplyBody::Huge {
            total: bytes as u64,
            streamed: false,
            remaining: bytes,
            prefix_done: false,
            chunk: Bytes::from(HUGE_ITEM.repeat(HUGE_CHUNK_ITEMS)),
        }
    }

    /// Like [`huge`](Self::huge), without announcing its length.
    pub(crate) fn huge_streamed(bytes: usize) -> Self {
        let mut body = Self::huge(bytes);
        if let ReplyBody::Huge { streamed, .. } = &mut body {
            *streamed = true;
        }
        body
    }

    /// The declared length, for the `Content-Length` header.
    pub(crate) fn declared_len(&self) -> u64 {
        match self {
            ReplyBody::Full(b) => b.as_ref().map_or(0, |b| b.len() as u64),
            ReplyBody::Truncated { declared, .. } => *declared,
            ReplyBody::Huge { total, .. } => *total,
            ReplyBody::GzipBomb(_) => 0,
        }
    }
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        match self.get_mut() {
            ReplyBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            ReplyBody::Truncated { sent, pause, .. } => {
                if let Some(half) = sent.take() {
                    return Poll::Ready(Some(Ok(Frame::data(half))));
                }
                let sleep =
                    pause.get_or_insert_with(|| Box::pin(tokio::time::sleep(TRUNCATION_PAUSE)));
                match sleep.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Aborted))),
                    Poll::Pending => Poll::Pending,
                }
            }
            ReplyBody::Huge {
                remaining,
                prefix_done,
                chunk,
                ..
            } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                let source = if *prefix_done {
                    chunk.clone()
                } else {
                    *prefix_done = true;
                    Bytes::from_static(HUGE_PREFIX)
                };
                let n = source.len().min(*remaining);
                *remaining -= n;
                Poll::Ready(Some(Ok(Frame::data(source.slice(..n)))))
            }
            ReplyBody::GzipBomb(bomb) => Poll::Ready(bomb.next_chunk().map(|b| Ok(Frame::data(b)))),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            ReplyBody::Full(b) => b.is_none(),
            ReplyBody::Truncated { .. } => false,
            ReplyBody::Huge { remaining, .. } => *remaining == 0,
            ReplyBody::GzipBomb(_) => false,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            // No exact length: hyper sends it chunked, without `Content-Length`.
            ReplyBody::Huge { streamed: true, .. } | ReplyBody::GzipBomb(_) => SizeHint::default(),
            _ => SizeHint::with_exact(self.declared_len()),
        }
    }
}

/// A response body that adds what it hands to the connection to a counter: the body bytes
/// on the wire, after any compression.
#[derive(Debug)]
pub(crate) struct Counted {
    body: ReplyBody,
    sent: Arc<AtomicU64>,
}

impl Counted {
    pub(crate) fn new(body: ReplyBody, sent: Arc<AtomicU64>) -> Self {
        Counted { body, sent }
    }
}

impl Body for Counted {
    type Data = Bytes;
    type Error = Aborted;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Aborted>>> {
        let this = self.get_mut();
        let frame = Pin::new(&mut this.body).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &frame
            && let Some(data) = frame.data_ref()
        {
            this.sent.fetch_add(data.len() as u64, Ordering::Relaxed);
        }
        frame
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .map(|rt| rt.block_on(f))
            .unwrap_or_else(|e| panic!("runtime: {e}"))
    }

    #[test]
    fn huge_body_has_exactly_the_requested_length() {
        for n in [0, 10, HUGE_PREFIX.len(), 1_000_003] {
            let body = ReplyBody::huge(n);
            assert_eq!(body.size_hint().exact(), Some(n as u64));
            let bytes = block_on(body.collect()).map(|c| c.to_bytes());
            let bytes = bytes.unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(bytes.len(), n);
            assert!(HUGE_PREFIX.starts_with(&bytes[..n.min(HUGE_PREFIX.len())]));
        }
    }

    #[test]
    fn streamed_huge_body_hides_its_length() {
        let body = ReplyBody::huge_streamed(1_000_003);
        assert_eq!(body.size_hint().exact(), None);
        let bytes = block_on(body.collect()).map(|c| c.to_bytes());
        assert_eq!(bytes.map(|b| b.len()).ok(), Some(1_000_003));
    }

    #[test]
    fn truncated_body_sends_half_then_fails() {
        let mut body = ReplyBody::truncated(Bytes::from_static(b"0123456789"));
        assert_eq!(body.size_hint().exact(), Some(10));
        let first = block_on(body.frame());
        let data = first.and_then(|f| f.ok()).and_then(|f| f.into_data().ok());
        assert_eq!(data.as_deref(), Some(&b"01234"[..]));
        assert!(matches!(block_on(body.frame()), Some(Err(Aborted))));
    }
}
