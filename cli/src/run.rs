//! Running a [`Job`] with a [`Client`] on any transport.

use std::pin::pin;

use futures_util::StreamExt;
use pyxis_gql::ops::{
    FindImagesByDigest, FindImagesByNames, FindImagesByNvr, FindImagesByNvrs,
    FindRepositoriesByRegistryPaths, FindRepositoriesByRepositoryName,
};
use pyxis_gql::{ChunkedOperation, Client, PaginatedOperation, RegistryPath, Transport};

use crate::args::Format;
use crate::failure::Failure;
use crate::output::{Printer, Progress, Row, Rpms};
use crate::plan::Job;

/// How results are printed and lists are split.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Settings {
    /// The output format.
    pub(crate) format: Format,
    /// Lookups of a list in flight at once.
    pub(crate) concurrency: usize,
    /// Values of a list per lookup.
    pub(crate) batch_size: usize,
}

/// Runs `job` and prints its results.
pub(crate) async fn run<T: Transport>(
    client: &Client<T>,
    job: Job,
    settings: Settings,
) -> Result<(), Failure> {
    let format = settings.format;
    match job {
        Job::Repo { paths, from_stdin } => {
            let lookup = |path: RegistryPath| async move {
                client.get_repository_by_registry_path(&path).await
            };
            one_each(
                paths,
                from_stdin,
                settings,
                Rpms::Hidden,
                "repository at",
                lookup,
            )
            .await?;
        }
        Job::Repos(search) => crawl(client, search, format, Rpms::Hidden).await?,
        Job::ReposByName(mut names) if names.len() == 1 => {
            let search = FindRepositoriesByRepositoryName::new(names.remove(0));
            crawl(client, search, format, Rpms::Hidden).await?;
        }
        Job::ReposByName(names) => {
            each(names, settings, Rpms::Hidden, |name| async move {
                Ok(client.find_repositories_by_repository_name(&name).await?)
            })
            .await?;
        }
        Job::ReposByPaths(paths) => {
            batched(client, paths, settings, Rpms::Hidden, |batch| {
                FindRepositoriesByRegistryPaths::new(batch)
            })
            .await?;
        }
        Job::ImagesByNvr { mut nvrs, rpms } if nvrs.len() == 1 => {
            let search = FindImagesByNvr::new(nvrs.remove(0), rpms);
            crawl(client, search, format, rpm_column(rpms)).await?;
        }
        Job::ImagesByNvr { nvrs, rpms } => {
            each(nvrs, settings, rpm_column(rpms), |nvr| async move {
                Ok(client.find_images_by_nvr(&nvr, rpms).await?)
            })
            .await?;
        }
        Job::ImagesByNvrs { nvrs, rpms } => {
            batched(client, nvrs, settings, rpm_column(rpms), move |batch| {
                FindImagesByNvrs::new(batch, rpms)
            })
            .await?;
        }
        Job::ImagesByRpms(search) => {
            if search.chunks(settings.batch_size).len() == 1 {
                crawl(client, search, format, Rpms::List).await?;
            } else {
                // Chunks can find the same image: merged (each image once) before printing.
                let images = client.find_images_by_installed_rpms(search).await?;
                let mut printer = Printer::new(format, Rpms::List);
                printer.items(images)?;
                printer.finish()?;
            }
        }
        Job::ImagesByNames(names) => {
            batched(
                client,
                names,
                settings,
                Rpms::Hidden,
                FindImagesByNames::new,
            )
            .await?;
        }
        Job::ImagesByRepository(mut searches) if searches.len() == 1 => {
            crawl(client, searches.remove(0), format, Rpms::Hidden).await?;
        }
        Job::ImagesByRepository(searches) => {
            each(searches, settings, Rpms::Hidden, |search| async move {
                Ok(client.find_images_by_repository(search).await?)
            })
            .await?;
        }
        Job::LatestImages { searches, rpms } => {
            each(searches, settings, rpm_column(rpms), |search| async move {
                Ok(client.find_latest_images_by_name_version(search).await?)
            })
            .await?;
        }
        Job::ImagesByDigest {
            digests,
            from_stdin,
            in_repository: Some(path),
        } => {
            let path = &path;
            let lookup = |digest: String| async move {
                client.get_image_by_manifest_digest(path, &digest).await
            };
            let what = format!("image in {path} with manifest digest");
            one_each(digests, from_stdin, settings, Rpms::Hidden, &what, lookup).await?;
        }
        Job::ImagesByDigest {
            mut digests,
            from_stdin: false,
            in_repository: None,
        } if digests.len() == 1 => {
            let search = FindImagesByDigest::new(digests.remove(0));
            crawl(client, search, format, Rpms::Hidden).await?;
        }
        Job::ImagesByDigest { digests, .. } => {
            each(digests, settings, Rpms::Hidden, |digest| async move {
                Ok(client.find_images_by_digest(&digest).await?)
            })
            .await?;
        }
        Job::Image { ids, from_stdin } => {
            let lookup = |id: String| async move { client.get_image(&id).await };
            one_each(
                ids,
                from_stdin,
                settings,
                Rpms::Hidden,
                "image with id",
                lookup,
            )
            .await?;
        }
        Job::RepoById { ids, from_stdin } => {
            let lookup = |id: String| async move { client.get_repository(&id).await };
            one_each(
                ids,
                from_stdin,
                settings,
                Rpms::Hidden,
                "repository with id",
                lookup,
            )
            .await?;
        }
        Job::RepoImages(mut searches) if searches.len() == 1 => {
            crawl(client, searches.remove(0), format, Rpms::Hidden).await?;
        }
        Job::RepoImages(searches) => {
            each(searches, settings, Rpms::Hidden, |search| async move {
                Ok(client.fetch_all(search).await?)
            })
            .await?;
        }
        Job::Query(query) => {
            let data = client.execute(&query).await?;
            Printer::new(format, Rpms::Hidden).single(Some(data))?;
        }
        Job::PaginatedQuery(query) => crawl(client, query, format, Rpms::Hidden).await?,
    }
    Ok(())
}

fn rpm_column(with_rpms: bool) -> Rpms {
    if with_rpms { Rpms::Count } else { Rpms::Hidden }
}

/// Lookups of one object each. One value given on the command line prints an object or `null`;
/// values from standard input print the objects found (as `each` does) and name each missing
/// one on stderr, `no <what> <value>`.
async fn one_each<V, I, F, Fut>(
    mut values: Vec<V>,
    from_stdin: bool,
    settings: Settings,
    rpms: Rpms,
    what: &str,
    lookup: F,
) -> Result<(), Failure>
where
    V: Clone + std::fmt::Display,
    I: Row,
    F: Fn(V) -> Fut,
    Fut: std::future::Future<Output = Result<Option<I>, pyxis_gql::Error>>,
{
    if !from_stdin && values.len() == 1 {
        let found = lookup(values.remove(0)).await?;
        return Ok(Printer::new(settings.format, rpms).single(found)?);
    }
    let lookup = &lookup;
    each(values, settings, rpms, |value| async move {
        let found = lookup(value.clone()).await?;
        if found.is_none() {
            eprintln!("pyxis: no {what} {value}");
        }
        Ok(found.into_iter().collect())
    })
    .await
}

/// One crawl, printed as its pages arrive.
async fn crawl<T, P>(
    client: &Client<T>,
    operation: P,
    format: Format,
    rpms: Rpms,
) -> Result<(), Failure>
where
    T: Transport,
    P: PaginatedOperation + Send + Sync + 'static,
    P::Item: Row + Send + 'static,
{
    let mut printer = Printer::new(format, rpms);
    let mut progress = Progress::new(None);
    // The items of one page are ready together: each chunk is (at most) a page.
    let mut pages = pin!(client.stream(operation).ready_chunks(512));
    while let Some(chunk) = pages.next().await {
        let mut items = Vec::with_capacity(chunk.len());
        let mut failed = None;
        for item in chunk {
            match item {
                Ok(item) => items.push(item),
                Err(error) => failed = Some(error),
            }
        }
        progress.advance(items.len(), 0);
        if format == Format::Jsonl {
            progress.clear();
        }
        printer.items(items)?;
        if let Some(error) = failed {
            return Err(error.into());
        }
    }
    progress.clear();
    printer.finish()?;
    Ok(())
}

/// One lookup per value, `concurrency` at once; each lookup's items are printed as it completes
/// (in completion order), as the one-value command prints them.
async fn each<V, I, F, Fut>(
    values: Vec<V>,
    settings: Settings,
    rpms: Rpms,
    lookup: F,
) -> Result<(), Failure>
where
    I: Row,
    F: Fn(V) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<I>, Failure>>,
{
    let mut printer = Printer::new(settings.format, rpms);
    let mut done = pin!(pyxis_gql::as_completed(
        values.into_iter().map(lookup),
        settings.concurrency
    ));
    while let Some(found) = done.next().await {
        printer.items(found?)?;
    }
    printer.finish()?;
    Ok(())
}

/// A list looked up `batch_size` values per crawl, `concurrency` crawls at once; each batch is
/// printed as soon as it is complete.
async fn batched<T, A, P>(
    client: &Client<T>,
    values: Vec<A>,
    settings: Settings,
    rpms: Rpms,
    make: impl Fn(Vec<A>) -> P,
) -> Result<(), Failure>
where
    T: Transport,
    A: Clone,
    P: PaginatedOperation + Send + Sync + 'static,
    P::Item: Row + Send + 'static,
{
    let mut printer = Printer::new(settings.format, rpms);
    let mut progress = Progress::new(Some(values.len()));
    let lookups = values.chunks(settings.batch_size).map(|batch| {
        let size = batch.len();
        let search = make(batch.to_vec());
        async move { (size, client.fetch_all(search).await) }
    });
    let mut done = pin!(pyxis_gql::as_completed(lookups, settings.concurrency));
    while let Some((size, found)) = done.next().await {
        let items = found?;
        progress.advance(items.len(), size);
        if settings.format == Format::Jsonl {
            progress.clear();
        }
        printer.items(items)?;
    }
    progress.clear();
    printer.finish()?;
    Ok(())
}
