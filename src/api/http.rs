//! The HTTP side of the API handlers: response bodies (whole or streamed), docker's JSON
//! errors, query strings, request bodies with a size limit, and running engine calls off the
//! event loop.
use std::collections::BTreeMap;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::{combinators::BoxBody, BodyExt, Full, Limited};
use hyper::body::{Body as HttpBody, Frame, Incoming};
use hyper::{Request, Response, StatusCode};
use serde_json::Value;
use tokio::sync::mpsc;

use super::Busy;
use crate::engine::EngineError;

/// Every response body: whole, or streamed from a channel.
pub type Body = BoxBody<Bytes, Infallible>;
pub type Resp = Response<Body>;
pub type ApiResult = Result<Resp, ApiError>;

/// The largest JSON body a handler reads (docker's create bodies are a few KiB).
pub const JSON_LIMIT: usize = 4 << 20;

/// docker's error response: a status and `{"message": ...}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
        }
    }
    pub fn bad(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, message)
    }
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, message)
    }
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    pub fn into_response(self) -> Resp {
        json_status(self.status, &serde_json::json!({ "message": self.message }))
    }
}

/// docker's status for each kind of engine failure: 404 for what does not exist, 409 for a
/// conflict with the current state, 400 for bad parameters, 500 for the rest.
impl From<EngineError> for ApiError {
    fn from(e: EngineError) -> ApiError {
        use crate::engine::ErrorKind;
        let status = match e.kind() {
            ErrorKind::NotFound | ErrorKind::RemoteNotFound => StatusCode::NOT_FOUND,
            ErrorKind::Unauthorized => StatusCode::UNAUTHORIZED,
            ErrorKind::Forbidden => StatusCode::FORBIDDEN,
            ErrorKind::Conflict => StatusCode::CONFLICT,
            ErrorKind::Invalid => StatusCode::BAD_REQUEST,
            ErrorKind::Exec(_) | ErrorKind::Build | ErrorKind::Cancelled | ErrorKind::Internal => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        ApiError::new(status, crate::engine::error_chain(&e))
    }
}

pub fn full(data: impl Into<Bytes>) -> Body {
    Full::new(data.into()).boxed()
}

pub fn empty() -> Body {
    full(Bytes::new())
}

pub fn json_status(status: StatusCode, v: &Value) -> Resp {
    let mut body = serde_json::to_vec(v).unwrap_or_default();
    body.push(b'\n');
    let mut r = Response::new(full(body));
    *r.status_mut() = status;
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static("application/json"),
    );
    r
}

pub fn json(v: &Value) -> ApiResult {
    Ok(json_status(StatusCode::OK, v))
}

pub fn status_only(status: StatusCode) -> ApiResult {
    let mut r = Response::new(empty());
    *r.status_mut() = status;
    Ok(r)
}

/// A body fed by a channel; holds the service busy until it is dropped (the client read it
/// all, or went away).
pub struct ChanBody {
    rx: mpsc::Receiver<Bytes>,
    _busy: Busy,
}

impl HttpBody for ChanBody {
    type Data = Bytes;
    type Error = Infallible;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx.poll_recv(cx).map(|o| o.map(|b| Ok(Frame::data(b))))
    }
}

/// A streamed response: the sender feeds the body; a failed send means the client is gone.
pub fn channel(busy: Busy, content_type: &'static str) -> (mpsc::Sender<Bytes>, Resp) {
    let (tx, rx) = mpsc::channel(64);
    let mut r = Response::new(ChanBody { rx, _busy: busy }.boxed());
    r.headers_mut().insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(content_type),
    );
    (tx, r)
}

/// docker's stream framing without a terminal: `[stream, 0, 0, 0, len u32 BE]` then the data
/// (stream 1 stdout, 2 stderr).
pub fn mux_frame(stream: u8, data: &[u8]) -> Bytes {
    let mut f = Vec::with_capacity(8 + data.len());
    f.extend_from_slice(&[stream, 0, 0, 0]);
    f.extend_from_slice(&(data.len() as u32).to_be_bytes());
    f.extend_from_slice(data);
    Bytes::from(f)
}

/// The query string: a key may repeat; docker's booleans are `1`/`true`.
#[derive(Debug, Default)]
pub struct Query(BTreeMap<String, Vec<String>>);

impl Query {
    pub fn parse(q: Option<&str>) -> Query {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(q.unwrap_or("").as_bytes()) {
            m.entry(k.into_owned()).or_default().push(v.into_owned());
        }
        Query(m)
    }
    pub fn get(&self, k: &str) -> Option<&str> {
        self.0.get(k).and_then(|v| v.last()).map(String::as_str)
    }
    /// Every value of a repeated key (docker's `t` for several tags).
    pub fn all(&self, k: &str) -> &[String] {
        self.0.get(k).map(Vec::as_slice).unwrap_or(&[])
    }
    pub fn flag(&self, k: &str) -> bool {
        matches!(self.get(k), Some(v) if v == "1" || v.eq_ignore_ascii_case("true"))
    }
    pub fn int(&self, k: &str) -> Result<Option<i64>, ApiError> {
        match self.get(k) {
            None | Some("") => Ok(None),
            Some(v) => v
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad(format!("invalid value for {k}: {v:?}"))),
        }
    }
    /// docker's `filters`: JSON `{"key": ["v", ...]}` (or the old `{"key": {"v": true}}`), as
    /// the CLI's `KEY=VALUE` strings.
    pub fn filters(&self) -> Result<Vec<String>, ApiError> {
        let Some(raw) = self.get("filters").filter(|s| !s.is_empty()) else {
            return Ok(Vec::new());
        };
        let v: Value =
            serde_json::from_str(raw).map_err(|e| ApiError::bad(format!("invalid filter: {e}")))?;
        let Some(obj) = v.as_object() else {
            return Err(ApiError::bad("invalid filter: not an object"));
        };
        let mut out = Vec::new();
        for (k, vals) in obj {
            match vals {
                Value::Array(a) => {
                    for x in a {
                        if let Some(s) = x.as_str() {
                            out.push(format!("{k}={s}"));
                        }
                    }
                }
                Value::Object(m) => {
                    for (s, on) in m {
                        if on.as_bool().unwrap_or(false) {
                            out.push(format!("{k}={s}"));
                        }
                    }
                }
                _ => return Err(ApiError::bad(format!("invalid filter for {k}"))),
            }
        }
        Ok(out)
    }
}

/// Read a whole request body, refusing one over `limit` bytes.
pub async fn read_body(req: Request<Incoming>, limit: usize) -> Result<Bytes, ApiError> {
    Limited::new(req.into_body(), limit)
        .collect()
        .await
        .map(|c| c.to_bytes())
        .map_err(|e| {
            if e.is::<http_body_util::LengthLimitError>() {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("request body over {limit} bytes"),
                )
            } else {
                ApiError::bad(format!("reading the request body: {e}"))
            }
        })
}

/// A JSON request body (an empty one is `null`).
pub async fn read_json(req: Request<Incoming>) -> Result<Value, ApiError> {
    let bytes = read_body(req, JSON_LIMIT).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    serde_json::from_slice(&bytes).map_err(|e| ApiError::bad(format!("invalid JSON: {e}")))
}

/// Run an engine call on the blocking pool (the engine does file I/O, waits and spawns).
pub async fn blocking<T, F>(f: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, EngineError> + Send + 'static,
    T: Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(ApiError::from),
        Err(e) => Err(ApiError::internal(format!("the operation failed: {e}"))),
    }
}

/// docker's timestamps: RFC 3339 strings to Unix seconds (0 when missing or unreadable).
pub fn unix_secs(t: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t)
        .map(|t| t.timestamp())
        .unwrap_or(0)
}

/// A JSON string array (non-strings skipped), or empty.
pub fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a
            .iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect(),
        Value::String(s) => vec![s.clone()],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_both_shapes() {
        let q = Query::parse(Some(
            "filters=%7B%22label%22%3A%5B%22a%3Db%22%5D%2C%22status%22%3A%7B%22exited%22%3Atrue%7D%7D&all=1",
        ));
        assert_eq!(q.filters().unwrap(), vec!["label=a=b", "status=exited"]);
        assert!(q.flag("all"));
        assert!(!q.flag("size"));
        assert!(Query::parse(Some("filters=nope")).filters().is_err());
    }

    #[test]
    fn frames() {
        assert_eq!(
            &mux_frame(2, b"hi")[..],
            &[2, 0, 0, 0, 0, 0, 0, 2, b'h', b'i']
        );
    }
}
