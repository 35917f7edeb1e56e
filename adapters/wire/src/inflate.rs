//! Reading a body under the cap, inflating it on the way when it is gzip.
//!
//! The cap counts the bytes the caller gets: for a gzip body the inflated ones, counted as the
//! decoder produces them, so a small body that inflates to gigabytes stops at the cap.

use std::fmt;
use std::io::{self, Write};

use flate2::write::GzDecoder;
use http::HeaderMap;
use http::header::{CONTENT_ENCODING, CONTENT_LENGTH};
use pyxis_gql::TransportError;

/// A response body being read under the cap: taken as it comes, or inflated from gzip.
///
/// ```
/// use pyxis_gql_wire::BodyReader;
/// let mut headers = http::HeaderMap::new();
/// let mut reader = BodyReader::new(&mut headers, true, 4);
/// reader.push(b"abc").unwrap();
/// assert!(matches!(reader.push(b"de"), Err(pyxis_gql::TransportError::BodyTooLarge { limit: 4 })));
/// ```
pub struct BodyReader(Reader);

enum Reader {
    Plain(Capped),
    Gzip(Box<GzDecoder<Capped>>),
}

impl BodyReader {
    /// A reader for a body with these response headers, capped at `limit` bytes handed on. With
    /// `inflate`, a body that says `Content-Encoding: gzip` is inflated, and the headers lose
    /// `Content-Encoding` and `Content-Length`, which describe the bytes on the wire, not the
    /// ones handed on.
    pub fn new(headers: &mut HeaderMap, inflate: bool, limit: usize) -> Self {
        let gzip = inflate
            && headers.get(CONTENT_ENCODING).is_some_and(|value| {
                let value = value.as_bytes().trim_ascii();
                value.eq_ignore_ascii_case(b"gzip") || value.eq_ignore_ascii_case(b"x-gzip")
            });
        let capped = Capped {
            bytes: Vec::new(),
            limit,
        };
        if gzip {
            headers.remove(CONTENT_ENCODING);
            headers.remove(CONTENT_LENGTH);
            Self(Reader::Gzip(Box::new(GzDecoder::new(capped))))
        } else {
            Self(Reader::Plain(capped))
        }
    }

    /// Whether the body is read as it comes, so that its declared length is the one capped.
    pub fn is_plain(&self) -> bool {
        matches!(self.0, Reader::Plain(_))
    }

    /// Reserves room for `bytes` (never more than the cap).
    pub fn reserve(&mut self, bytes: usize) {
        let capped = match &mut self.0 {
            Reader::Plain(capped) => capped,
            Reader::Gzip(decoder) => decoder.get_mut(),
        };
        capped.bytes.reserve(bytes.min(capped.limit));
    }

    /// Takes the next piece of the body as it came off the wire.
    ///
    /// # Errors
    ///
    /// [`TransportError::BodyTooLarge`] past the cap, [`TransportError::Decode`] for gzip that
    /// does not decode.
    pub fn push(&mut self, data: &[u8]) -> Result<(), TransportError> {
        let written = match &mut self.0 {
            Reader::Plain(capped) => capped.write_all(data),
            Reader::Gzip(decoder) => decoder.write_all(data),
        };
        written.map_err(|err| self.error(err))
    }

    /// The whole body, once the wire has delivered all of it.
    ///
    /// # Errors
    ///
    /// As [`push`](Self::push), and [`TransportError::Decode`] for a gzip stream cut short.
    pub fn finish(self) -> Result<Vec<u8>, TransportError> {
        match self.0 {
            Reader::Plain(capped) => Ok(capped.bytes),
            Reader::Gzip(mut decoder) => match decoder.try_finish() {
                Ok(()) => Ok(std::mem::take(&mut decoder.get_mut().bytes)),
                Err(err) => Err(Self(Reader::Gzip(decoder)).error(err)),
            },
        }
    }

    /// The cap's own error, or else a gzip stream that does not decode.
    fn error(&self, err: io::Error) -> TransportError {
        let limit = match &self.0 {
            Reader::Plain(capped) => capped.limit,
            Reader::Gzip(decoder) => decoder.get_ref().limit,
        };
        if err.get_ref().is_some_and(|inner| inner.is::<OverCap>()) {
            TransportError::BodyTooLarge { limit }
        } else {
            TransportError::Decode(Box::new(err))
        }
    }
}

/// The body so far, refusing to grow past the cap.
struct Capped {
    bytes: Vec<u8>,
    limit: usize,
}

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if data.len() > self.limit - self.bytes.len() {
            return Err(io::Error::other(OverCap));
        }
        self.bytes.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The body passed the cap.
#[derive(Debug)]
struct OverCap;

impl fmt::Display for OverCap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("response body larger than the cap")
    }
}

impl std::error::Error for OverCap {}

#[cfg(test)]
mod tests {
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use http::HeaderValue;

    use super::*;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = GzEncoder::new(Vec::new(), Compression::fast());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    fn gzip_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static(" GZip "));
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("12"));
        headers
    }

    fn read(
        headers: &mut HeaderMap,
        inflate: bool,
        limit: usize,
        wire: &[u8],
    ) -> Result<Vec<u8>, TransportError> {
        let mut reader = BodyReader::new(headers, inflate, limit);
        for piece in wire.chunks(7) {
            reader.push(piece)?;
        }
        reader.finish()
    }

    #[test]
    fn gzip_is_inflated_piece_by_piece_and_its_headers_dropped() {
        let text = b"{\"data\":null}".repeat(50);
        let mut headers = gzip_headers();
        assert_eq!(
            read(&mut headers, true, text.len(), &gzip(&text)).unwrap(),
            text
        );
        assert!(headers.is_empty());
        let mut kept = gzip_headers();
        assert_eq!(
            read(&mut kept, false, 1 << 20, &gzip(&text)).unwrap(),
            gzip(&text)
        );
        assert_eq!(kept.len(), 2);
    }

    #[test]
    fn the_cap_counts_inflated_bytes() {
        let zeros = gzip(&[0; 100_000]);
        assert!(zeros.len() < 1_000);
        let err = read(&mut gzip_headers(), true, 99_999, &zeros).unwrap_err();
        assert!(
            matches!(err, TransportError::BodyTooLarge { limit: 99_999 }),
            "{err:?}"
        );
        let err = read(&mut HeaderMap::new(), true, 3, b"four").unwrap_err();
        assert!(
            matches!(err, TransportError::BodyTooLarge { limit: 3 }),
            "{err:?}"
        );
        assert_eq!(
            read(&mut HeaderMap::new(), true, 4, b"four").unwrap(),
            b"four"
        );
    }

    #[test]
    fn corrupt_truncated_or_trailing_gzip_is_a_decode_error() {
        let good = gzip(b"{\"data\":{\"find_images\":null}}");
        let mut flipped = good.clone();
        let end = flipped.len() - 8;
        flipped[10..end].iter_mut().for_each(|byte| *byte = !*byte);
        let mut bad_crc = good.clone();
        let crc = bad_crc.len() - 8;
        bad_crc[crc] ^= 1;
        let truncated = &good[..good.len() - 3];
        let trailing = [&good[..], b"junk"].concat();
        for wire in [
            &flipped[..],
            &bad_crc,
            truncated,
            &trailing,
            b"not gzip at all",
        ] {
            let err = read(&mut gzip_headers(), true, 1 << 20, wire).unwrap_err();
            assert!(
                matches!(err, TransportError::Decode(_)),
                "{wire:?}: {err:?}"
            );
        }
    }
}
