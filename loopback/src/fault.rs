//! Injected misbehaviour, and the responses it turns into.

use std::time::Duration;

use hyper::body::Bytes;
use serde_json::{Value, json};

use crate::body::ReplyBody;
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
}

/// What the connection does for a request.
pub(crate) enum Action {
    Reply {
        status: u16,
        retry_after: Option<u32>,
        body: ReplyBody,
    },
    Close,
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
}

impl Fault {
    /// Turns the fault into an action; `normal` computes the answer the
    /// request would have had, for faults that mangle it.
    pub(crate) fn act(&self, target: &Target<'_>, normal: impl FnOnce() -> Reply) -> Action {
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
