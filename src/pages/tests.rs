use super::*;
use crate::model::ContainerRepository;
use crate::ops::{FindRepositories, FindRepositoriesByRegistryPaths};
use serde_json::json;

type Feed = Box<dyn Fn(&mut Pages<FindRepositories>) -> Result<(), Error>>;

fn crawl(page_size: u32) -> Pages<FindRepositories> {
    let options = ClientOptions::builder()
        .page_size(page_size)
        .build()
        .unwrap();
    Pages::new(FindRepositories::new(), &Endpoint::default(), &options)
}

/// A page of repositories named `r<first>`, `r<first+1>`, ...
fn answer(page: u32, first: usize, count: usize, total: Option<u64>) -> http::Response<Vec<u8>> {
    let items: Vec<_> = (first..first + count)
        .map(|i| json!({"repository": format!("r{i}")}))
        .collect();
    let body =
        json!({"data": {"find_repositories": {"data": items, "page": page, "total": total}}});
    http::Response::new(serde_json::to_vec(&body).unwrap())
}

fn names(items: Vec<ContainerRepository>) -> Vec<String> {
    items
        .into_iter()
        .map(|r| r.repository.unwrap().into())
        .collect()
}

fn page_variable(request: &PageRequest) -> (u64, u64) {
    let body: serde_json::Value = serde_json::from_slice(request.request.body()).unwrap();
    (
        body["variables"]["page"].as_u64().unwrap(),
        body["variables"]["page_size"].as_u64().unwrap(),
    )
}

#[test]
fn fans_out_after_the_first_page_and_yields_in_page_order() {
    let mut pages = crawl(3);
    let first = pages.next_request().unwrap().unwrap();
    assert_eq!(page_variable(&first), (0, 3));
    assert!(
        pages.remaining_requests().unwrap().is_empty(),
        "nothing before the total is known"
    );
    assert_eq!(pages.total(), None);
    pages.feed(0, &answer(0, 0, 3, Some(10))).unwrap();
    assert_eq!(pages.total(), Some(10));
    let rest = pages.remaining_requests().unwrap();
    assert_eq!(
        rest.iter().map(page_variable).collect::<Vec<_>>(),
        [(1, 3), (2, 3), (3, 3)]
    );
    assert!(pages.next_request().is_none());

    // Answers arrive 3, 1, 2; items still come out 0, 1, 2, 3.
    pages.feed(3, &answer(3, 9, 1, Some(10))).unwrap();
    let mut out = names(pages.pop_items().unwrap());
    assert!(pages.pop_items().is_none(), "page 1 has not arrived");
    pages.feed(1, &answer(1, 3, 3, Some(10))).unwrap();
    pages.feed(2, &answer(2, 6, 3, Some(10))).unwrap();
    while let Some(items) = pages.pop_items() {
        out.extend(names(items));
    }
    assert_eq!(out, (0..10).map(|i| format!("r{i}")).collect::<Vec<_>>());
    assert!(pages.is_done());
    assert_eq!(pages.received_pages(), [0, 1, 2, 3]);
}

#[test]
fn end_rules_without_a_total() {
    // A short page ends the list.
    let mut pages = crawl(2);
    let mut seen = Vec::new();
    let answers = [(2, None), (2, None), (1, None)];
    for (page, (count, total)) in answers.into_iter().enumerate() {
        let request = pages.next_request().expect("one page at a time").unwrap();
        assert_eq!(request.page, page as u32);
        assert!(
            pages.next_request().is_none(),
            "sequential while the total is unknown"
        );
        pages
            .feed(request.page, &answer(request.page, page * 2, count, total))
            .unwrap();
        seen.extend(names(pages.pop_items().unwrap()));
    }
    assert!(pages.is_done());
    assert!(pages.next_request().is_none());
    assert_eq!(seen, ["r0", "r1", "r2", "r3", "r4"]);

    // An empty page ends the list too.
    let mut pages = crawl(2);
    for page in 0..2 {
        let request = pages.next_request().unwrap().unwrap();
        pages
            .feed(
                request.page,
                &answer(page, 0, if page == 0 { 2 } else { 0 }, None),
            )
            .unwrap();
    }
    assert_eq!(pages.pop_items().unwrap().len(), 2);
    assert!(pages.is_done());
    assert!(pages.next_request().is_none());
}

#[test]
fn page_size_reaching_the_total_is_a_single_page() {
    for total in [0u64, 1, 3] {
        let mut pages = crawl(3);
        let request = pages.next_request().unwrap().unwrap();
        pages
            .feed(request.page, &answer(0, 0, total as usize, Some(total)))
            .unwrap();
        assert!(
            pages.remaining_requests().unwrap().is_empty(),
            "total {total}"
        );
        assert_eq!(pages.pop_items().unwrap().len(), total as usize);
        assert!(pages.is_done(), "total {total}");
    }
}

#[test]
fn contradicting_pages_are_errors_not_silent_gaps() {
    let started = || {
        let mut pages = crawl(2);
        let _ = pages.next_request().unwrap().unwrap();
        pages.feed(0, &answer(0, 0, 2, Some(6))).unwrap();
        let _ = pages.remaining_requests().unwrap();
        pages
    };
    use PaginationError as P;
    let cases: Vec<(&str, Feed, PaginationError)> = vec![
        (
            "the total changed from 6 to 7 at page 1",
            Box::new(|p| p.feed(1, &answer(1, 2, 2, Some(7)))),
            P::TotalChanged {
                page: 1,
                before: 6,
                now: 7,
            },
        ),
        (
            "page 0 was answered twice",
            Box::new(|p| p.feed(0, &answer(0, 0, 2, Some(6)))),
            P::AnsweredTwice { page: 0 },
        ),
        (
            "page 9 was never requested",
            Box::new(|p| p.feed(9, &answer(9, 0, 2, Some(6)))),
            P::NeverRequested { page: 9 },
        ),
        (
            "asked for page 1, got page 2",
            Box::new(|p| p.feed(1, &answer(2, 4, 2, Some(6)))),
            P::WrongPage {
                asked: 1,
                served: 2,
            },
        ),
        (
            "page 1 holds 1 items where the total 6 means 2",
            Box::new(|p| p.feed(1, &answer(1, 2, 1, Some(6)))),
            P::CountDisagreesWithTotal {
                page: 1,
                count: 1,
                total: 6,
                expected: 2,
            },
        ),
        (
            "page 2 holds 3 items, more than the page size 2",
            Box::new(|p| p.feed(2, &answer(2, 4, 3, Some(6)))),
            P::OverfullPage {
                page: 2,
                count: 3,
                page_size: 2,
            },
        ),
    ];
    for (message, feed, expected) in cases {
        let mut pages = started();
        match feed(&mut pages) {
            Err(Error::Pagination(error)) => {
                assert_eq!(error, expected);
                assert!(error.to_string().starts_with(message), "{error}");
            }
            other => panic!("{message}: {other:?}"),
        }
        assert!(!pages.is_done());
    }
}

#[test]
fn page_errors_pass_through_and_the_crawl_can_report_what_it_has() {
    let mut pages = crawl(2);
    let _ = pages.next_request().unwrap().unwrap();
    pages.feed(0, &answer(0, 0, 2, Some(4))).unwrap();
    let _ = pages.remaining_requests().unwrap();
    let busy = http::Response::builder()
        .status(503)
        .body(Vec::new())
        .unwrap();
    assert!(matches!(pages.feed(1, &busy), Err(Error::Http { .. })));
    assert_eq!(pages.received_pages(), [0]);
    assert_eq!(pages.missing_pages(), [1]);
    assert!(!pages.is_done());
    // The failed page can be fed again once a retry answers it.
    pages.feed(1, &answer(1, 2, 2, Some(4))).unwrap();
    assert_eq!(pages.received_pages(), [0, 1]);
}

#[test]
fn an_operation_that_matches_nothing_sends_nothing() {
    let mut pages = Pages::new(
        FindRepositoriesByRegistryPaths::new([]),
        &Endpoint::default(),
        &ClientOptions::default(),
    );
    assert!(pages.next_request().is_none());
    assert!(pages.is_done());
    assert!(pages.pop_items().is_none());
}

#[test]
fn a_total_over_the_item_cap_fails_before_fetching_the_rest() {
    let options = ClientOptions::builder()
        .page_size(2)
        .max_items(5)
        .build()
        .unwrap();
    let mut pages = Pages::new(FindRepositories::new(), &Endpoint::default(), &options);
    assert_eq!(pages.page_size(), 2);
    let _ = pages.next_request().unwrap().unwrap();
    let error = pages.feed(0, &answer(0, 0, 2, Some(6))).unwrap_err();
    assert!(
        matches!(error, Error::TooManyItems { limit: 5, found: 6 }),
        "{error:?}"
    );

    // Without a total, the items received so far count.
    let mut pages = Pages::new(FindRepositories::new(), &Endpoint::default(), &options);
    for page in 0..2 {
        let _ = pages.next_request().unwrap().unwrap();
        pages
            .feed(page, &answer(page, page as usize * 2, 2, None))
            .unwrap();
    }
    let _ = pages.next_request().unwrap().unwrap();
    let error = pages.feed(2, &answer(2, 4, 2, None)).unwrap_err();
    assert!(
        matches!(error, Error::TooManyItems { limit: 5, found: 6 }),
        "{error:?}"
    );

    // Exactly the cap is allowed.
    let mut pages = Pages::new(FindRepositories::new(), &Endpoint::default(), &options);
    let _ = pages.next_request().unwrap().unwrap();
    pages.feed(0, &answer(0, 0, 2, Some(5))).unwrap();
    assert_eq!(pages.total(), Some(5));
}

#[test]
fn missing_pages_run_to_the_last_page_once_the_total_is_known() {
    let mut pages = crawl(2);
    let _ = pages.next_request().unwrap().unwrap();
    assert_eq!(
        pages.missing_pages(),
        [0],
        "only what was asked for, before a total"
    );
    pages.feed(0, &answer(0, 0, 2, Some(7))).unwrap();
    assert_eq!(
        pages.missing_pages(),
        [1, 2, 3],
        "every page the total implies"
    );
    let _ = pages.remaining_requests().unwrap();
    pages.feed(2, &answer(2, 4, 2, Some(7))).unwrap();
    assert_eq!(pages.missing_pages(), [1, 3]);
}

#[test]
fn a_late_total_smaller_than_what_arrived_is_an_error() {
    let mut pages = crawl(2);
    for page in 0..2 {
        let _ = pages.next_request().unwrap().unwrap();
        pages
            .feed(page, &answer(page, page as usize * 2, 2, None))
            .unwrap();
    }
    let _ = pages.next_request().unwrap().unwrap();
    match pages.feed(2, &answer(2, 4, 0, Some(3))) {
        Err(Error::Pagination(error)) => assert_eq!(
            error,
            PaginationError::LateTotalTooSmall {
                page: 2,
                total: 3,
                held: 4
            }
        ),
        other => panic!("{other:?}"),
    }
    assert!(!pages.is_done());
}

/// A page whose repositories carry `_id`s `id<first>`, ... (zero-padded, so text order is number order).
fn keyed(page: u32, ids: std::ops::Range<usize>, total: u64) -> http::Response<Vec<u8>> {
    let items: Vec<_> = ids
        .map(|i| json!({"_id": format!("id{i:04}"), "repository": format!("r{i}")}))
        .collect();
    let body =
        json!({"data": {"find_repositories": {"data": items, "page": page, "total": total}}});
    http::Response::new(serde_json::to_vec(&body).unwrap())
}

#[test]
fn sort_keys_catch_a_page_repeated_under_another_number() {
    let started = || {
        let mut pages = crawl(2);
        let _ = pages.next_request().unwrap().unwrap();
        pages.feed(0, &keyed(0, 0..2, 6)).unwrap();
        let _ = pages.remaining_requests().unwrap();
        pages
    };
    // Page 1's items again as page 2, with page 1 already in: overlaps its neighbour.
    let mut pages = started();
    pages.feed(1, &keyed(1, 2..4, 6)).unwrap();
    let error = pages.feed(2, &keyed(2, 2..4, 6)).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Pagination(PaginationError::Overlap { page: 2, other: 1 })
        ),
        "{error:?}"
    );

    // Out of order: page 2 first, then page 1 arrives holding page 2's items.
    let mut pages = started();
    pages.feed(2, &keyed(2, 4..6, 6)).unwrap();
    let error = pages.feed(1, &keyed(1, 4..6, 6)).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Pagination(PaginationError::Overlap { page: 1, .. })
        ),
        "{error:?}"
    );

    // Items out of order inside a page.
    let mut pages = started();
    let body = json!({"data": {"find_repositories": {"data": [{"_id": "id0003"}, {"_id": "id0002"}], "page": 1, "total": 6}}});
    let error = pages
        .feed(1, &http::Response::new(serde_json::to_vec(&body).unwrap()))
        .unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Pagination(PaginationError::OutOfOrder { page: 1 })
        ),
        "{error:?}"
    );

    // The honest crawl passes.
    let mut pages = started();
    pages.feed(2, &keyed(2, 4..6, 6)).unwrap();
    pages.feed(1, &keyed(1, 2..4, 6)).unwrap();
    let mut count = 0;
    while let Some(items) = pages.pop_items() {
        count += items.len();
    }
    assert_eq!(count, 6);
    assert!(pages.is_done());
}

/// A crawl of an operation that leaves `total` out, `ahead` pages at a time.
fn totalless(page_size: u32, ahead: usize) -> Pages<crate::ops::FindImagesByInstalledRpms> {
    let options = ClientOptions::builder()
        .small_page_size(page_size)
        .page_concurrency(ahead)
        .build()
        .unwrap();
    Pages::new(
        crate::ops::FindImagesByInstalledRpms::new(["x"]),
        &Endpoint::default(),
        &options,
    )
}

/// A page of `count` images with ids `i<first>`, ... and no total.
fn images(page: u32, first: usize, count: usize) -> http::Response<Vec<u8>> {
    let items: Vec<_> = (first..first + count)
        .map(|i| json!({"_id": format!("i{i:03}")}))
        .collect();
    let body = json!({"data": {"find_images": {"data": items, "page": page}}});
    http::Response::new(serde_json::to_vec(&body).unwrap())
}

fn issue_all<O: PaginatedOperation>(pages: &mut Pages<O>) -> Vec<u32> {
    std::iter::from_fn(|| pages.next_request().map(|r| r.unwrap().page)).collect()
}

#[test]
fn without_a_total_pages_are_asked_ahead_until_a_short_one() {
    let mut pages = totalless(2, 3);
    assert_eq!(issue_all(&mut pages), [0, 1, 2], "three ahead");
    pages.feed(0, &images(0, 0, 2)).unwrap();
    assert_eq!(issue_all(&mut pages), [3], "one answer, one more ahead");
    pages.feed(2, &images(2, 4, 1)).unwrap();
    assert!(pages.next_request().is_none(), "page 2 is short: the end");
    pages.feed(1, &images(1, 2, 2)).unwrap();
    assert_eq!(pages.missing_pages(), Vec::<u32>::new());
    let ids: Vec<_> = std::iter::from_fn(|| pages.pop_items())
        .flatten()
        .map(|image| image.id.unwrap())
        .collect();
    assert_eq!(ids, ["i000", "i001", "i002", "i003", "i004"]);
    assert!(pages.is_done(), "page 3, asked ahead, is not needed");
    pages.feed(3, &images(3, 0, 0)).unwrap();
    assert_eq!(pages.total(), None);
}

#[test]
fn without_a_total_a_gap_in_the_middle_fails_whichever_page_comes_first() {
    // Page 2 has items, page 1 comes back empty: in either order, an error.
    let mut later_first = totalless(2, 3);
    let _ = issue_all(&mut later_first);
    later_first.feed(0, &images(0, 0, 2)).unwrap();
    later_first.feed(2, &images(2, 4, 2)).unwrap();
    assert!(matches!(
        later_first.feed(1, &images(1, 0, 0)),
        Err(Error::Pagination(PaginationError::ItemsAfterEnd {
            page: 2,
            last: 0
        }))
    ));

    let mut gap_first = totalless(2, 3);
    let _ = issue_all(&mut gap_first);
    gap_first.feed(1, &images(1, 0, 0)).unwrap();
    assert!(matches!(
        gap_first.feed(2, &images(2, 4, 2)),
        Err(Error::Pagination(PaginationError::ItemsAfterEnd {
            page: 2,
            last: 0
        }))
    ));
}
