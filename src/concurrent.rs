//! Running many calls at once, with a limit, on any executor.
//!
//! The Python idioms map as follows:
//!
//! | Python (asyncio)                      | pyxis-gql                                          |
//! |---------------------------------------|----------------------------------------------------|
//! | `await asyncio.gather(*calls)`        | [`gather(calls, limit).await`](gather)             |
//! | `for f in asyncio.as_completed(calls)`| [`as_completed(calls, limit)`](as_completed), a `Stream` |
//! | `asyncio.run(main())`                 | your runtime's `block_on(main())`, e.g. `pyxis_gql_smol::block_on` or a tokio `Runtime::block_on` |
//!
//! Unlike `asyncio.gather`, both take a concurrency limit, so ten thousand lookups never open
//! ten thousand connections at once.

use std::future::Future;

use futures_util::stream::{self, Stream, StreamExt};

/// Runs `calls` with at most `limit` at a time and returns every output in input order.
///
/// The Rust form of Python's `await asyncio.gather(*calls)`:
///
/// ```
/// # futures_executor::block_on(async {
/// let squares = pyxis_gql::gather((1..=4).map(|n| async move { n * n }), 2).await;
/// assert_eq!(squares, [1, 4, 9, 16]);
/// # });
/// ```
///
/// With a client: `gather(nvrs.iter().map(|nvr| client.find_images_by_nvr(nvr, false)), 8)`.
pub async fn gather<F: Future>(calls: impl IntoIterator<Item = F>, limit: usize) -> Vec<F::Output> {
    stream::iter(calls).buffered(limit.max(1)).collect().await
}

/// Runs `calls` with at most `limit` at a time and yields each output as soon as it is ready.
///
/// The Rust form of Python's `for call in asyncio.as_completed(calls): result = await call`;
/// skip the results you do not want with `filter_map`:
///
/// ```
/// use futures_util::StreamExt;
/// # futures_executor::block_on(async {
/// let calls = (1..=6).map(|n| async move { if n % 2 == 0 { Some(n) } else { None } });
/// let mut even: Vec<i32> = pyxis_gql::as_completed(calls, 3)
///     .filter_map(|found| async move { found })
///     .collect()
///     .await;
/// even.sort();
/// assert_eq!(even, [2, 4, 6]);
/// # });
/// ```
pub fn as_completed<F: Future>(
    calls: impl IntoIterator<Item = F>,
    limit: usize,
) -> impl Stream<Item = F::Output> {
    stream::iter(calls).buffer_unordered(limit.max(1))
}
