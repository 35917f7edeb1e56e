//! Injected misbehaviour, and the responses it turns into.

use std::time::Duration;

use hyper::body::Bytes;
use serde_json::{Value, json};

use crate::body::ReplyBody;
use crate::compress::{self, Bomb};
use crate::graphql::Reply;

/// A misbehaviour to inject into one response (see
/// [`LoopbackPyxis::push_fault`](crate::LoopbackPyxis::push_fault)).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answers with this HTTP status and a short JSON body
    /// `{"status": code, "detail": ...}`, plus `Retry-After: <seconds>` when
    /// `retry_after` is set. A code outside 200–999 is answered as 500.
    Status {
        /// HTTP status code.
        code: u16,
        /// Value of the `Retry-After` header, in seconds.
        retry_after: Option<u32>,
    },
    /// 200 with a body that is not valid JSON.
    MalformedJson,
    /// 200 whose `Content-Length` announces the full answer, of which only
    /// the first half is sent before the connection is closed.
    TruncatedBody,
    /// 200 with the answer Pyxis gives when its database times out: the
    /// root field's `data` is null and its `error` is
    /// `{"status": 500, "detail": "Unable to fetch data from MongoDB in time"}`.
    MongoTimeout,
    /// 200 with a GraphQL `errors` list naming the root field. With partial
    /// data, `data` holds the normal answer; without, `data` is null.
    GraphQlErrors {
        /// Whether `data` carries the normal answer next to the errors.
        with_partial_data: bool,
    },
    /// Answers normally after this extra delay (on top of any latency).
    Slow(Duration),
    /// Closes the connection without answering.
    ConnectionReset,
    /// 200 with a streamed body of exactly `bytes` bytes that starts like a
    /// `find_images` answer and never becomes valid JSON (unless tiny).
    HugeBody {
        /// Body length in bytes.
        bytes: usize,
    },
    /// 200 with `{"data": "a string"}`: valid JSON of the wrong shape.
    WrongType,
    /// 200 with an empty body (`Content-Length: 0`): a complete HTTP
    /// response that holds no JSON at all.
    EmptyBody,
    /// 200 with the first half of the normal answer, framed as a complete
    /// response (`Content-Length` is the half's length): the transport sees
    /// nothing wrong, only the JSON ends early.
    TruncatedJson,
    /// Reads the request and never answers: the connection stays open,
    /// silent, until the client gives up or the server stops. (For a
    /// connection that is accepted but never even completes its TLS
    /// handshake, see
    /// [`LoopbackPyxis::stall_connections`](crate::LoopbackPyxis::stall_connections).)
    NoAnswer,
    /// Like [`HugeBody`](Fault::HugeBody), but streamed with chunked
    /// transfer encoding and no `Content-Length`, so that a client can only
    /// refuse it by counting bytes while reading.
    HugeStreamedBody {
        /// Body length in bytes.
        bytes: usize,
    },
    /// 200 with valid JSON nested `depth` arrays deep: under the root
    /// field's `data` (`{"data":{"<root>":{"data":[[[...]]]}}}`), or, with
    /// `in_errors`, as the `extensions` of a GraphQL error.
    DeepNesting {
        /// How many arrays deep.
        depth: usize,
        /// Nest inside `errors[0].extensions` instead of the data.
        in_errors: bool,
    },
    /// The normal answer, with the root field's `total` moved by `delta`
    /// (never below 0): the data changed between two pages of a crawl.
    ChangedTotal {
        /// Added to the true total.
        delta: i64,
    },
    /// Answers with the content of page `page` of the same query instead of
    /// the page asked for (a server repeating a page). The answer says it is
    /// page `page`, or, with `renumber`, claims the page number that was
    /// asked for. The page is replaced through the request's `page`
    /// variable; a request whose `page` argument is a literal gets the
    /// normal answer.
    RepeatPage {
        /// The page whose content is served.
        page: u64,
        /// Claim the requested page number instead of `page`.
        renumber: bool,
    },
    /// 200 with `Content-Encoding: gzip` (whatever the request accepts) and a valid gzip
    /// stream of `inflated_bytes` zero bytes, compressed as it is sent (about a thousandth of
    /// its inflated size), with no `Content-Length`: only a client that counts the bytes it
    /// inflates can refuse it in time.
    GzipBomb {
        /// The size of the body once inflated.
        inflated_bytes: u64,
    },
    /// 200 with `Content-Encoding: gzip` (whatever the request accepts) and the normal answer
    /// gzipped, then corrupted: the gzip header is intact, the compressed data is not.
    CorruptGzip,
}

/// What the connection does for a request.
pub(crate) enum Action {
    Reply {
        status: u16,
        retry_after: Option<u32>,
        body: ReplyBody,
    },
    /// 200 with a body that is already gzip (`Content-Encoding: gzip`).
    Gzipped(ReplyBody),
    Close,
    /// Never answer; hold the connection.
    Hang,
}

impl Action {
    pub(crate) fn json(reply: Reply) -> Action {
        Action::Reply {
            status: reply.status,
            retry_after: None,
            body: ReplyBody::full(reply.body),
        }
    }
}

fn to_bytes(v: &Value) -> Bytes {
    Bytes::from(v.to_string())
}

/// The root field a fault pretends to answer.
pub(crate) struct Target<'a> {
    pub(crate) name: &'a str,
    pub(crate) key: &'a str,
    /// The page the request asked for (0 when it named none).
    pub(crate) page: u64,
}

/// Applies `edit` to the root field's object in a JSON answer; an answer
/// of another shape is left as it is.
fn rewrite(
    reply: Reply,
    key: &str,
    edit: impl FnOnce(&mut serde_json::Map<String, Value>),
) -> Reply {
    let Ok(mut answer) = serde_json::from_slice::<Value>(&reply.body) else {
        return reply;
    };
    match answer
        .get_mut("data")
        .and_then(|data| data.get_mut(key))
        .and_then(Value::as_object_mut)
    {
        Some(root) => edit(root),
        None => return reply,
    }
    Reply {
        status: reply.status,
        body: answer.to_string().into_bytes(),
    }
}

/// `depth` nested empty arrays.
fn nested(depth: usize) -> String {
    let mut text = String::with_capacity(2 * depth);
    text.extend(std::iter::repeat_n('[', depth));
    text.extend(std::iter::repeat_n(']', depth));
    text
}

impl Fault {
    /// Turns the fault into an action; `answer` computes the answer the
    /// request would have had (`None`), or would have had for another page
    /// (`Some(page)`), for faults that mangle it.
    pub(crate) fn act(&self, target: &Target<'_>, answer: impl Fn(Option<u64>) -> Reply) -> Action {
        let normal = || answer(None);
        let ok = |body: Bytes| Action::Reply {
            status: 200,
            retry_after: None,
            body: ReplyBody::full(body),
        };
        let key = target.key;
        match self {
            Fault::Status { code, retry_after } => {
                let status = if (200..=999).contains(code) {
                    *code
                } else {
                    500
                };
                Action::Reply {
                    status,
                    retry_after: *retry_after,
                    body: ReplyBody::full(to_bytes(&json!({
                        "status": status,
                        "detail": format!("Injected HTTP {status} from the loopback Pyxis server"),
                    }))),
                }
            }
            Fault::MalformedJson => ok(Bytes::from(format!(
                r#"{{"data":{{"{key}":{{"data":[{{"_id":"5d0a00000000000000000000",}}]"#
            ))),
            Fault::TruncatedBody => {
                let reply = normal();
                Action::Reply {
                    status: reply.status,
                    retry_after: None,
                    body: ReplyBody::truncated(Bytes::from(reply.body)),
                }
            }
            Fault::MongoTimeout => {
                let mut answer = json!({
                    "data": null,
                    "error": { "status": 500, "detail": "Unable to fetch data from MongoDB in time" },
                });
                if target.name.starts_with("find_") {
                    answer["page"] = json!(0);
                    answer["page_size"] = json!(50);
                    answer["total"] = json!(0);
                }
                ok(to_bytes(&json!({ "data": { key: answer } })))
            }
            Fault::GraphQlErrors { with_partial_data } => {
                let data = if *with_partial_data {
                    serde_json::from_slice::<Value>(&normal().body)
                        .ok()
                        .and_then(|mut v| v.get_mut("data").map(Value::take))
                        .unwrap_or(Value::Null)
                } else {
                    Value::Null
                };
                ok(to_bytes(&json!({
                    "errors": [{
                        "message": "Injected error while resolving the field",
                        "locations": [{ "line": 1, "column": 2 }],
                        "path": [key],
                    }],
                    "data": data,
                })))
            }
            Fault::Slow(_) => Action::json(normal()),
            Fault::ConnectionReset => Action::Close,
            Fault::HugeBody { bytes } => Action::Reply {
                status: 200,
                retry_after: None,
                body: ReplyBody::huge(*bytes),
            },
            Fault::WrongType => ok(to_bytes(&json!({ "data": "a string" }))),
            Fault::EmptyBody => ok(Bytes::new()),
            Fault::TruncatedJson => {
                let reply = normal();
                let half = reply.body.len() / 2;
                Action::Reply {
                    status: reply.status,
                    retry_after: None,
                    body: ReplyBody::full(Bytes::from(reply.body).slice(..half)),
                }
            }
            Fault::NoAnswer => Action::Hang,
            Fault::HugeStreamedBody { bytes } => Action::Reply {
                status: 200,
                retry_after: None,
                body: ReplyBody::huge_streamed(*bytes),
            },
            Fault::DeepNesting { depth, in_errors } => {
                let deep = nested(*depth);
                ok(Bytes::from(if *in_errors {
                    format!(
                        r#"{{"errors":[{{"message":"deep","extensions":{deep}}}],"data":null}}"#
                    )
                } else {
                    format!(
                        r#"{{"data":{{"{key}":{{"error":null,"page":0,"page_size":50,"total":1,"data":{deep}}}}}}}"#
                    )
                }))
            }
            Fault::ChangedTotal { delta } => {
                let reply = rewrite(normal(), key, |root| {
                    if let Some(total) = root.get("total").and_then(Value::as_i64) {
                        root.insert("total".into(), json!(total.saturating_add(*delta).max(0)));
                    }
                });
                Action::json(reply)
            }
            Fault::RepeatPage { page, renumber } => {
                let reply = answer(Some(*page));
                let reply = if *renumber {
                    rewrite(reply, key, |root| {
                        root.insert("page".into(), json!(target.page));
                    })
                } else {
                    reply
                };
                Action::json(reply)
            }
            Fault::GzipBomb { inflated_bytes } => {
                Action::Gzipped(ReplyBody::GzipBomb(Bomb::new(*inflated_bytes)))
            }
            Fault::CorruptGzip => {
                Action::Gzipped(ReplyBody::full(compress::corrupt_gzip(&normal().body)))
            }
        }
    }

    /// Extra delay before answering.
    pub(crate) fn delay(&self) -> Duration {
        match self {
            Fault::Slow(d) => *d,
            _ => Duration::ZERO,
        }
    }
}
