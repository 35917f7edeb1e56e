//! The ways the pages of one crawl can contradict each other.

/// Pages of one crawl disagree with each other, or with the requests that asked for them, so
/// going on could silently drop or repeat items.
///
/// Each variant names the page at fault; the crawl stops at the first one.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PaginationError {
    /// An answer was fed for a page no request asked for.
    #[error("page {page} was never requested")]
    NeverRequested {
        /// The page fed.
        page: u32,
    },
    /// A page was fed twice.
    #[error("page {page} was answered twice")]
    AnsweredTwice {
        /// The page fed again.
        page: u32,
    },
    /// The server says it served another page than the one asked for.
    #[error("asked for page {asked}, got page {served}")]
    WrongPage {
        /// The page requested.
        asked: u32,
        /// The page the answer says it is.
        served: u32,
    },
    /// A page holds more items than the page size.
    #[error("page {page} holds {count} items, more than the page size {page_size}")]
    OverfullPage {
        /// The page.
        page: u32,
        /// Its items.
        count: u64,
        /// The page size asked for.
        page_size: u32,
    },
    /// The total changed between pages: the data changed during the crawl.
    #[error(
        "the total changed from {before} to {now} at page {page}: the data changed during the crawl"
    )]
    TotalChanged {
        /// The page that reported the new total.
        page: u32,
        /// The total reported before.
        before: u64,
        /// The total this page reports.
        now: u64,
    },
    /// A total first reported after some pages is smaller than what those pages held.
    #[error("page {page} reports a total of {total}, but the pages so far held {held} items")]
    LateTotalTooSmall {
        /// The page that first reported a total.
        page: u32,
        /// The total it reports.
        total: u64,
        /// The items received so far, its own included.
        held: u64,
    },
    /// A page holds another number of items than the total implies.
    #[error("page {page} holds {count} items where the total {total} means {expected}")]
    CountDisagreesWithTotal {
        /// The page.
        page: u32,
        /// Its items.
        count: u64,
        /// The total.
        total: u64,
        /// The items the total implies for this page.
        expected: u64,
    },
    /// A page has items although an earlier page ended the list (empty or short): a page in
    /// the middle went missing or came back short.
    #[error("page {page} has items after the list ended at page {last}")]
    ItemsAfterEnd {
        /// The page with items.
        page: u32,
        /// The last page of the list, as the earlier pages told it.
        last: u32,
    },
    /// A page's items are not in the crawl's sort order.
    #[error("page {page} is not in sort order")]
    OutOfOrder {
        /// The page.
        page: u32,
    },
    /// Two neighbouring pages overlap in the sort order: the server repeated items, or they
    /// moved during the crawl.
    #[error(
        "page {page} overlaps page {other}: the server repeated items or they moved during the crawl"
    )]
    Overlap {
        /// The page fed last.
        page: u32,
        /// Its neighbour.
        other: u32,
    },
    /// The crawl ran out of requests to wait for before its last page arrived.
    #[error("the crawl stopped before its last page")]
    Stalled,
}
