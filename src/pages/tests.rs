use super::*;
use crate::model::ContainerRepository;
use crate::ops::{FindRepositories, FindRepositoriesByRegistryPaths};
use serde_json::json;

type Feed = Box<dyn Fn(&mut Pages<FindRepositories>) -> Result<(), Error>>;

fn crawl(page_size: u32) -> Pages<FindRepositories> {
    let config = Config::builder().page_size(page_size).build().unwrap();
    Pages::new(FindRepositories::new(), &Endpoint::new(&config), &config)
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
    pages.feed(0, &answer(0, 0, 3, Some(10))).unwrap();
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
    let cases: Vec<(&str, Feed)> = vec![
        (
            "total changed",
            Box::new(|p| p.feed(1, &answer(1, 2, 2, Some(7)))),
        ),
        (
            "answered twice",
            Box::new(|p| p.feed(0, &answer(0, 0, 2, Some(6)))),
        ),
        (
            "never requested",
            Box::new(|p| p.feed(9, &answer(9, 0, 2, Some(6)))),
        ),
        (
            "got page",
            Box::new(|p| p.feed(1, &answer(2, 4, 2, Some(6)))),
        ),
        (
            "means 2",
            Box::new(|p| p.feed(1, &answer(1, 2, 1, Some(6)))),
        ),
        (
            "more than the page size",
            Box::new(|p| p.feed(2, &answer(2, 4, 3, Some(6)))),
        ),
    ];
    for (expected, feed) in cases {
        let mut pages = started();
        match feed(&mut pages) {
            Err(Error::Pagination(message)) => assert!(message.contains(expected), "{message}"),
            other => panic!("{expected}: {other:?}"),
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
    let config = Config::builder().build().unwrap();
    let mut pages = Pages::new(
        FindRepositoriesByRegistryPaths::new([]),
        &Endpoint::new(&config),
        &config,
    );
    assert!(pages.next_request().is_none());
    assert!(pages.is_done());
    assert!(pages.pop_items().is_none());
}

#[test]
fn a_total_over_the_item_cap_fails_before_fetching_the_rest() {
    let config = Config::builder().page_size(2).max_items(5).build().unwrap();
    let mut pages = Pages::new(FindRepositories::new(), &Endpoint::new(&config), &config);
    let _ = pages.next_request().unwrap().unwrap();
    let error = pages.feed(0, &answer(0, 0, 2, Some(6))).unwrap_err();
    assert!(
        matches!(error, Error::TooManyItems { limit: 5, found: 6 }),
        "{error:?}"
    );

    // Without a total, the items received so far count.
    let mut pages = Pages::new(FindRepositories::new(), &Endpoint::new(&config), &config);
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
        Err(Error::Pagination(message)) => assert!(message.contains("held 4 items"), "{message}"),
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
        matches!(&error, Error::Pagination(m) if m.contains("page 2 overlaps page 1")),
        "{error:?}"
    );

    // Out of order: page 2 first, then page 1 arrives holding page 2's items.
    let mut pages = started();
    pages.feed(2, &keyed(2, 4..6, 6)).unwrap();
    let error = pages.feed(1, &keyed(1, 4..6, 6)).unwrap_err();
    assert!(
        matches!(&error, Error::Pagination(m) if m.contains("overlaps")),
        "{error:?}"
    );

    // Items out of order inside a page.
    let mut pages = started();
    let body = json!({"data": {"find_repositories": {"data": [{"_id": "id0003"}, {"_id": "id0002"}], "page": 1, "total": 6}}});
    let error = pages
        .feed(1, &http::Response::new(serde_json::to_vec(&body).unwrap()))
        .unwrap_err();
    assert!(
        matches!(&error, Error::Pagination(m) if m.contains("not in sort order")),
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
