//! What the fuzz targets share: every decoder of the crate in one table, the checks each decoded
//! body must pass, and the pagination harness.

#![forbid(unsafe_code)]

pub mod pages;

use std::sync::LazyLock;

use pyxis_gql::model::{ContainerImage, ContainerRepository};
use pyxis_gql::ops::{
    CustomPaginatedQuery, CustomQuery, FindImagesByInstalledRpms, FindImagesByNames,
    FindImagesByNvr, FindImagesByNvrs, FindImagesByRepository, FindLatestImagesByNameVersion,
    FindRepositories, FindRepositoriesByRegistryPaths, FindRepositoriesByRepositoryName,
    GetRepositoryByRegistryPath,
};
use pyxis_gql::{Error, Operation, PaginatedOperation, RegistryPath, decode};
use serde_json::Value;

type DecodeFn = Box<dyn Fn(&http::Response<Vec<u8>>) -> Result<(), Error> + Send + Sync>;

/// One decoder: a name for failure messages and the call.
pub struct Decoder {
    /// What is decoded, e.g. `FindImagesByNvrs::decode_page`.
    pub name: &'static str,
    /// Decodes a response, keeping only success or the error.
    pub run: DecodeFn,
}

fn paginated<O>(name: &'static str, operation: O) -> Decoder
where
    O: PaginatedOperation + Send + Sync + 'static,
{
    Decoder {
        name,
        run: Box::new(move |response| operation.decode_page(response).map(drop)),
    }
}

fn single<O>(name: &'static str, operation: O) -> Decoder
where
    O: Operation + Send + Sync + 'static,
{
    Decoder {
        name,
        run: Box::new(move |response| operation.decode(response).map(drop)),
    }
}

fn free(name: &'static str, run: fn(&http::Response<Vec<u8>>) -> Result<(), Error>) -> Decoder {
    Decoder {
        name,
        run: Box::new(run),
    }
}

/// Every decoder of the crate: each built-in operation (paginated ones through `decode_page`,
/// single ones through `decode`), the two escape hatches, and the free functions of
/// `pyxis_gql::decode` with the crate's own model types and with plain JSON.
pub static DECODERS: LazyLock<Vec<Decoder>> = LazyLock::new(|| {
    let path = || RegistryPath::new("registry.example", "ns/repo");
    vec![
        paginated("FindImagesByNvr", FindImagesByNvr::new("foo-1-1", false)),
        paginated(
            "FindImagesByNvr+rpms",
            FindImagesByNvr::new("foo-1-1", true),
        ),
        paginated("FindImagesByNvrs", FindImagesByNvrs::new(["foo-1-1"], true)),
        paginated(
            "FindImagesByInstalledRpms",
            FindImagesByInstalledRpms::new(["openssl", "zlib"]),
        ),
        paginated("FindImagesByNames", FindImagesByNames::new(["foo"])),
        paginated(
            "FindImagesByRepository",
            FindImagesByRepository::new("ns/repo"),
        ),
        paginated(
            "FindLatestImagesByNameVersion::candidates",
            FindLatestImagesByNameVersion::new("foo", "1.0").candidates(),
        ),
        paginated(
            "FindLatestImagesByNameVersion::images_of",
            FindLatestImagesByNameVersion::new("foo", "1.0").images_of("foo-1.0-1"),
        ),
        paginated("FindRepositories", FindRepositories::new()),
        paginated(
            "FindRepositoriesByRepositoryName",
            FindRepositoriesByRepositoryName::new("ns/repo"),
        ),
        paginated(
            "FindRepositoriesByRegistryPaths",
            FindRepositoriesByRegistryPaths::new([path()]),
        ),
        single(
            "GetRepositoryByRegistryPath",
            GetRepositoryByRegistryPath::new(path()),
        ),
        single(
            "CustomQuery<Value>",
            CustomQuery::<Value>::new("query Q { ping }"),
        ),
        paginated(
            "CustomPaginatedQuery<Value>",
            CustomPaginatedQuery::<Value>::new(
                "query ($page: Int, $page_size: Int) { find_vendors(page: $page, \
                 page_size: $page_size) { page page_size total data { label } } }",
                "find_vendors",
            ),
        ),
        free("decode::page<ContainerImage>", |r| {
            decode::page::<ContainerImage, _>(r, "find_images").map(drop)
        }),
        free("decode::page<ContainerRepository>", |r| {
            decode::page::<ContainerRepository, _>(r, "find_repositories").map(drop)
        }),
        free("decode::page<Value>", |r| {
            decode::page::<Value, _>(r, "find_images").map(drop)
        }),
        free("decode::object<ContainerRepository>", |r| {
            decode::object::<ContainerRepository, _>(r, "get_repository_by_registry_path").map(drop)
        }),
        free("decode::object<Value>", |r| {
            decode::object::<Value, _>(r, "get_repository_by_registry_path").map(drop)
        }),
        free("decode::root<Value>", |r| {
            decode::root::<Value, _>(r, "find_images").map(drop)
        }),
        free("decode::whole_data<Value>", |r| {
            decode::whole_data::<Value, _>(r).map(drop)
        }),
        free("decode::whole_data<ignored>", |r| {
            decode::whole_data::<serde::de::IgnoredAny, _>(r).map(drop)
        }),
    ]
});

/// Uses an error the way a caller would (`Display`, `Debug`, the classification helpers), so
/// that a panic in any of them shows up.
pub fn exercise(error: &Error) {
    let _ = error.to_string();
    let _ = format!("{error:?}");
    let _ = error.is_transient();
    let _ = error.trace_id();
    let _ = error.retry_after();
    let _ = error.is_truncated_body();
}

/// Bodies up to this size are cut at every byte by [`check_truncations`].
pub const EVERY_CUT_UP_TO: usize = 64;

/// Bytes JSON allows after a value.
fn is_json_whitespace(byte: u8) -> bool {
    matches!(byte, b' ' | b'\n' | b'\t' | b'\r')
}

/// Checks that no strict prefix of `body` that drops a significant byte decodes with `decoder`,
/// given that the whole body did. Bodies up to [`EVERY_CUT_UP_TO`] bytes are cut at every byte;
/// longer ones at 24 places spread over the body and at the last 4 significant bytes (the
/// proptest suite cuts its valid bodies at every byte; here speed matters more).
pub fn check_truncations(decoder: &Decoder, body: &[u8], like: &http::Response<Vec<u8>>) {
    // Cutting trailing whitespace leaves the same document: only cuts before the last
    // significant byte must fail.
    let Some(last) = body.iter().rposition(|&byte| !is_json_whitespace(byte)) else {
        return;
    };
    let significant = last + 1;
    let cuts: Vec<usize> = if significant <= EVERY_CUT_UP_TO {
        (0..significant).collect()
    } else {
        let step = significant / 24;
        (0..24)
            .map(|i| i * step)
            .chain(significant - 4..significant)
            .collect()
    };
    for cut in cuts {
        let mut response = http::Response::new(body[..cut].to_vec());
        *response.status_mut() = like.status();
        *response.headers_mut() = like.headers().clone();
        match (decoder.run)(&response) {
            Ok(()) => panic!(
                "{}: the body decodes, and so does its first {cut} of {} bytes",
                decoder.name,
                body.len()
            ),
            Err(error) => exercise(&error),
        }
    }
}

/// Runs every decoder over `response`, exercising each error; for each success, also checks
/// that truncating the body breaks it. Returns how many decoders succeeded.
pub fn decode_all(response: &http::Response<Vec<u8>>) -> usize {
    let mut successes = 0;
    for decoder in DECODERS.iter() {
        match (decoder.run)(response) {
            Ok(()) => {
                successes += 1;
                assert!(
                    response.status().is_success(),
                    "{}: an HTTP {} answer decoded",
                    decoder.name,
                    response.status()
                );
                check_truncations(decoder, response.body(), response);
            }
            Err(error) => exercise(&error),
        }
    }
    successes
}

/// The input format of the `decode_response` target, also written by the seed generator:
///
/// ```text
/// [status: u16 big-endian] [flags: u8] [trace_id \n]? [retry-after \n]? body...
/// ```
///
/// `flags & 1` means a `trace_id` header follows (up to the first `\n`), `flags & 2` a
/// `Retry-After` header (likewise). There is no body limit: capping the body is the
/// transport's job, and no decoder takes one. A status or header value `http` refuses is left
/// out (the request side would never build one).
pub struct RawResponse {
    /// The response to decode.
    pub response: http::Response<Vec<u8>>,
    /// The `trace_id` header the response carries, if any.
    pub trace_id: Option<String>,
}

/// Parses the `decode_response` input format; `None` if the input is shorter than its header.
pub fn parse_response(input: &[u8]) -> Option<RawResponse> {
    let (head, mut rest) = input.split_first_chunk::<3>()?;
    let [status_hi, status_lo, flags] = *head;
    let mut response = http::Response::new(Vec::new());
    if let Ok(status) = http::StatusCode::from_u16(u16::from_be_bytes([status_hi, status_lo])) {
        *response.status_mut() = status;
    }
    let line = |rest: &mut &[u8]| -> Vec<u8> {
        let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let value = rest[..end].to_vec();
        *rest = rest.get(end + 1..).unwrap_or_default();
        value
    };
    let mut trace_id = None;
    if flags & 1 != 0 {
        let value = line(&mut rest);
        if let Ok(header) = http::HeaderValue::from_bytes(&value) {
            trace_id = header.to_str().ok().map(str::to_owned);
            response.headers_mut().insert("trace_id", header);
        }
    }
    if flags & 2 != 0 {
        let value = line(&mut rest);
        if let Ok(header) = http::HeaderValue::from_bytes(&value) {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, header);
        }
    }
    *response.body_mut() = rest.to_vec();
    Some(RawResponse { response, trace_id })
}

/// Writes the `decode_response` input format (the inverse of [`parse_response`]).
pub fn encode_response(
    status: u16,
    trace_id: Option<&str>,
    retry_after: Option<&str>,
    body: &[u8],
) -> Vec<u8> {
    let flags = u8::from(trace_id.is_some()) | (u8::from(retry_after.is_some()) << 1);
    let mut out = Vec::with_capacity(body.len() + 64);
    out.extend_from_slice(&status.to_be_bytes());
    out.push(flags);
    for value in [trace_id, retry_after].into_iter().flatten() {
        out.extend_from_slice(value.as_bytes());
        out.push(b'\n');
    }
    out.extend_from_slice(body);
    out
}

/// The checks of the `decode_response` target: every decoder checks the HTTP status before it
/// reads the body, the `trace_id` header survives into every error that keeps one, and no
/// truncation of a body that decoded decodes.
pub fn check_response(raw: &RawResponse) {
    let RawResponse { response, trace_id } = raw;
    let failed_status = !response.status().is_success();
    for decoder in DECODERS.iter() {
        let result = (decoder.run)(response);
        match &result {
            Err(Error::Http { status, .. }) => {
                assert!(failed_status, "{}: Http error for a 2xx", decoder.name);
                assert_eq!(*status, response.status(), "{}: the status", decoder.name);
            }
            _ => {
                assert!(
                    !failed_status,
                    "{}: {result:?} for HTTP {}",
                    decoder.name,
                    response.status()
                );
            }
        }
        if result.is_ok() {
            check_truncations(decoder, response.body(), response);
        }
        if let Err(error) = &result {
            exercise(error);
            let kept = matches!(
                error,
                Error::Http { .. } | Error::GraphQl { .. } | Error::Decode { .. } | Error::Pyxis(_)
            );
            if kept {
                assert_eq!(
                    error.trace_id(),
                    trace_id.as_deref(),
                    "{}: the trace id of {error:?}",
                    decoder.name
                );
            }
        }
    }
}
