//! Gzip for answers: whether a request accepts it, the compressed answer, and the two broken
//! streams the faults serve (a bomb that inflates to far more than it weighs, and a corrupt one).

use std::io::Write as _;

use flate2::Compression;
use flate2::write::GzEncoder;
use http::HeaderMap;
use http::header::ACCEPT_ENCODING;
use hyper::body::Bytes;

/// Zeros fed to the bomb's encoder per step: enough to come out with a few hundred bytes of
/// gzip, small enough that one step stays a short piece of work for the server's one thread.
const BOMB_STEP: usize = 1024 * 1024;

/// Whether `Accept-Encoding` names gzip (or `*`) with a non-zero quality.
pub(crate) fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let coding = parts.next().unwrap_or_default();
            let wanted = ["gzip", "x-gzip", "*"]
                .iter()
                .any(|name| coding.eq_ignore_ascii_case(name));
            // `q=0` means "not this one"; an unreadable quality counts as the default, 1.
            let quality = parts
                .filter_map(|param| param.strip_prefix("q=").or(param.strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            wanted && quality > 0.0
        })
}

/// `bytes` as one gzip member.
///
/// The fastest level: a test server should spend its one thread answering, and on JSON as
/// repetitive as Pyxis pages the fastest level already shrinks them about tenfold.
pub(crate) fn gzip(bytes: &[u8]) -> Bytes {
    let mut encoder = GzEncoder::new(Vec::with_capacity(bytes.len() / 8), Compression::fast());
    // Writing to a `Vec` cannot fail.
    let compressed = encoder.write_all(bytes).and_then(|()| encoder.finish());
    Bytes::from(compressed.unwrap_or_default())
}

/// `bytes` gzipped with the compressed data (between the 10-byte header and the 8-byte
/// trailer) inverted bit by bit: a stream with a valid header that no decoder accepts.
pub(crate) fn corrupt_gzip(bytes: &[u8]) -> Bytes {
    let mut stream = gzip(bytes).to_vec();
    let end = stream.len().saturating_sub(8);
    if let Some(data) = stream.get_mut(10..end) {
        data.iter_mut().for_each(|byte| *byte = !*byte);
    }
    Bytes::from(stream)
}

/// A valid gzip stream of `inflated` zero bytes, compressed step by step as the connection
/// takes it, so that a client that stops reading early costs the server little.
pub(crate) struct Bomb {
    encoder: Option<GzEncoder<Vec<u8>>>,
    remaining: u64,
}

impl std::fmt::Debug for Bomb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bomb")
            .field("remaining", &self.remaining)
            .field("finished", &self.encoder.is_none())
            .finish()
    }
}

impl Bomb {
    pub(crate) fn new(inflated: u64) -> Self {
        Bomb {
            encoder: Some(GzEncoder::new(Vec::new(), Compression::best())),
            remaining: inflated,
        }
    }

    /// The next piece of the compressed stream; `None` once the trailer has been handed out.
    pub(crate) fn next_chunk(&mut self) -> Option<Bytes> {
        static ZEROS: [u8; BOMB_STEP] = [0; BOMB_STEP];
        let encoder = self.encoder.as_mut()?;
        while encoder.get_ref().is_empty() && self.remaining > 0 {
            let step = usize::try_from(self.remaining).map_or(BOMB_STEP, |n| n.min(BOMB_STEP));
            // Writing to a `Vec` cannot fail.
            if encoder.write_all(&ZEROS[..step]).is_err() {
                self.encoder = None;
                return None;
            }
            self.remaining -= step as u64;
        }
        if self.remaining > 0 {
            return Some(Bytes::from(std::mem::take(encoder.get_mut())));
        }
        let tail = self.encoder.take()?.finish().unwrap_or_default();
        Some(Bytes::from(tail))
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read as _;

    use flate2::read::GzDecoder;
    use http::HeaderValue;

    use super::*;

    fn accepts(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT_ENCODING, HeaderValue::from_str(value).unwrap());
        accepts_gzip(&headers)
    }

    #[test]
    fn gzip_is_accepted_only_when_named_with_a_non_zero_quality() {
        assert!(accepts("gzip"));
        assert!(accepts("br, GZIP;q=0.5"));
        assert!(accepts("identity, *"));
        assert!(accepts("x-gzip"));
        assert!(!accepts("gzip;q=0"));
        assert!(!accepts("identity"));
        assert!(!accepts("br, zstd"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn gzip_round_trips_and_the_corrupt_stream_does_not() {
        let text = br#"{"data":{"find_images":{"data":[]}}}"#.repeat(100);
        let mut inflated = Vec::new();
        GzDecoder::new(&gzip(&text)[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated, text);
        let corrupt = corrupt_gzip(&text);
        assert_eq!(corrupt[..10], gzip(&text)[..10]);
        let mut out = Vec::new();
        assert!(GzDecoder::new(&corrupt[..]).read_to_end(&mut out).is_err());
    }

    #[test]
    fn the_bomb_inflates_to_exactly_its_size_from_a_small_stream() {
        let size = 5 * BOMB_STEP as u64 + 7;
        let mut bomb = Bomb::new(size);
        let mut stream = Vec::new();
        while let Some(chunk) = bomb.next_chunk() {
            stream.extend_from_slice(&chunk);
        }
        assert!(stream.len() < 64 * 1024, "{} bytes", stream.len());
        let mut inflated = Vec::new();
        GzDecoder::new(&stream[..])
            .read_to_end(&mut inflated)
            .unwrap();
        assert_eq!(inflated.len() as u64, size);
        assert!(inflated.iter().all(|&b| b == 0));
    }
}
