//! The connection layer under actix-web: gives the answers that actix-http writes by itself
//! a problem document too.
//!
//! Why here: a request that cannot be parsed (a control byte in a header, a URI over the
//! `http` crate's limit, more than 96 headers or a 128 KiB head, a head that does not arrive
//! in time) never reaches the app; actix-http's dispatcher writes a bare status line with
//! `content-length: 0` and closes the connection, and it has no hook to change that. So each
//! connection's bytes pass through [`ProblemAnswers`], which replaces exactly those answers,
//! recognised by their shape: `content-length: 0` then `connection: close` then `date`, with no
//! other header between them. Every answer of the app carries at least the security headers
//! there, so no answer of the app has that shape.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use super::problem::{ApiError, PROBLEM_JSON};

/// The longest request target actix-http accepts (the `http` crate's URI limit).
pub const MAX_URI_BYTES: usize = 65_534;
/// The most headers actix-http reads.
pub const MAX_HEADERS: usize = 96;
/// The largest request head actix-http reads.
pub const MAX_HEAD_BYTES: usize = 131_072;

/// A connection whose bare error answers from actix-http become problem documents.
#[derive(Debug)]
pub struct ProblemAnswers<T> {
    io: T,
    /// A replacement answer not yet fully written, and how much of it was.
    pending: Option<(Vec<u8>, usize)>,
}

impl<T> ProblemAnswers<T> {
    /// Wraps a connection.
    pub fn new(io: T) -> Self {
        Self { io, pending: None }
    }
}

impl<T: AsyncWrite + Unpin> ProblemAnswers<T> {
    /// Writes what is left of a replacement answer; `Ready(Ok)` once it is all written.
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while let Some((bytes, written)) = &mut self.pending {
            match Pin::new(&mut self.io).poll_write(cx, &bytes[*written..]) {
                Poll::Ready(Ok(0)) => return Poll::Ready(Err(io::ErrorKind::WriteZero.into())),
                Poll::Ready(Ok(n)) => {
                    *written += n;
                    if *written == bytes.len() {
                        self.pending = None;
                    }
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for ProblemAnswers<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.io).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for ProblemAnswers<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        if this.poll_pending(cx)?.is_pending() {
            return Poll::Pending;
        }
        match find_bare_error(buf) {
            // Write what comes before it first, so the bare answer is never split.
            Some(found) if found.start > 0 => {
                Pin::new(&mut this.io).poll_write(cx, &buf[..found.start])
            }
            Some(found) => {
                this.pending = Some((problem_answer(&buf[..found.end], found.status), 0));
                // Taken: the rest goes out with the next write or flush.
                let _ = this.poll_pending(cx)?;
                Poll::Ready(Ok(found.end))
            }
            None => Pin::new(&mut this.io).poll_write(cx, buf),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.poll_pending(cx)?.is_pending() {
            return Poll::Pending;
        }
        Pin::new(&mut this.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.poll_pending(cx)?.is_pending() {
            return Poll::Pending;
        }
        Pin::new(&mut this.io).poll_shutdown(cx)
    }
}

/// Where a bare error answer of actix-http lies in a write, and its status.
#[derive(Debug, PartialEq, Eq)]
struct BareError {
    start: usize,
    end: usize,
    status: u16,
}

fn find_bare_error(buf: &[u8]) -> Option<BareError> {
    let mut from = 0;
    while let Some(offset) = find(&buf[from..], b"HTTP/1.") {
        let start = from + offset;
        from = start + 1;
        if let Some((status, end)) = bare_error_at(&buf[start..]) {
            return Some(BareError {
                start,
                end: start + end,
                status,
            });
        }
    }
    None
}

/// If `answer` starts with a bare error answer — a status line of 400 or more followed only by
/// `content-length: 0`, `connection: close` when the connection ends, and `date` — its status
/// and length. (A pipelined answer's body may come right before it, without a line break.)
fn bare_error_at(answer: &[u8]) -> Option<(u16, usize)> {
    let line_end = find(answer, b"\r\n")? + 2;
    let status: u16 = std::str::from_utf8(answer.get(9..12)?).ok()?.parse().ok()?;
    let version_ok = answer.starts_with(b"HTTP/1.1 ") || answer.starts_with(b"HTTP/1.0 ");
    if !version_ok || status < 400 {
        return None;
    }
    let headers = answer[line_end..].strip_prefix(b"content-length: 0\r\n")?;
    let headers = headers
        .strip_prefix(b"connection: close\r\n")
        .unwrap_or(headers);
    let date = headers.strip_prefix(b"date: ")?;
    let date_end = find(date, b"\r\n\r\n")?;
    if find(&date[..date_end], b"\r\n").is_some() {
        return None; // another header follows: an answer of the app
    }
    let end = answer.len() - date.len() + date_end + 4;
    Some((status, end))
}

/// Where `needle` first occurs. Every answer's bytes pass through here (a list of 1,000 Open311
/// requests is 0.7 MB), so it looks for the needle's first byte and compares only there: a
/// slice comparison at every offset took 5 % of the CPU of such an answer.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, rest) = needle.split_first()?;
    let mut from = 0;
    while let Some(offset) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + offset;
        if haystack[at + 1..].starts_with(rest) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The problem answer that replaces `bare` (status line, headers and its `date`).
fn problem_answer(bare: &[u8], status: u16) -> Vec<u8> {
    let error = match status {
        431 => ApiError::HeaderFieldsTooLarge,
        408 => ApiError::RequestTimeout,
        400..=499 => ApiError::MalformedRequest,
        _ => ApiError::Internal(anyhow::anyhow!("actix-http answered {status} by itself")),
    };
    let response = error.error_response();
    let status_line = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status().as_u16(),
        response.status().canonical_reason().unwrap_or("Error")
    );
    let body = response.into_body().try_into_bytes().unwrap_or_default();
    let date = find(bare, b"date: ")
        .and_then(|at| {
            let rest = &bare[at..];
            find(rest, b"\r\n").map(|end| &rest[..end + 2])
        })
        .unwrap_or_default();
    let mut out = status_line.into_bytes();
    for (name, value) in [
        ("content-type", PROBLEM_JSON),
        ("connection", "close"),
        ("cache-control", "no-store"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("content-security-policy", super::CONTENT_SECURITY_POLICY),
    ] {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(format!("content-length: {}\r\n", body.len()).as_bytes());
    out.extend_from_slice(date);
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const BARE_400: &[u8] = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\nconnection: close\r\ndate: Sun, 06 Dec 2026 03:31:59 GMT\r\n\r\n";

    #[test]
    fn finds_the_bare_answers_of_actix_http_alone_or_after_a_pipelined_answer() {
        assert_eq!(
            find_bare_error(BARE_400),
            Some(BareError {
                start: 0,
                end: BARE_400.len(),
                status: 400
            })
        );
        let keep_alive = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        assert_eq!(
            find_bare_error(keep_alive).map(|f| (f.end, f.status)),
            Some((keep_alive.len(), 400))
        );
        let ok = b"HTTP/1.1 200 OK\r\ncontent-length: 15\r\nx-content-type-options: nosniff\r\ndate: x\r\n\r\n{\"status\":\"ok\"}";
        let both = [&ok[..], BARE_400].concat();
        assert_eq!(
            find_bare_error(&both).map(|f| (f.start, f.end)),
            Some((ok.len(), both.len()))
        );
        let bare_431 = String::from_utf8_lossy(BARE_400)
            .replace("400 Bad Request", "431 Request Header Fields Too Large");
        assert_eq!(
            find_bare_error(bare_431.as_bytes()).map(|f| f.status),
            Some(431)
        );
    }

    #[test]
    fn leaves_every_answer_of_the_app_alone() {
        for answer in [
            &b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\nx-request-id: 1\r\ndate: x\r\n\r\n"[..],
            b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nx-content-type-options: nosniff\r\ndate: x\r\n\r\n",
            b"HTTP/1.1 204 No Content\r\nconnection: close\r\ndate: x\r\n\r\n",
            b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\ndate: x\r\nx-request-id: 1\r\n\r\n",
            b"{\"description\": \"content-length: 0\\r\\nconnection: close\\r\\ndate: \"}",
        ] {
            assert_eq!(find_bare_error(answer), None, "{}", String::from_utf8_lossy(answer));
        }
    }

    #[test]
    fn the_replacement_is_a_problem_document_with_the_security_headers() {
        let answer = String::from_utf8(problem_answer(BARE_400, 400)).unwrap();
        let (head, body) = answer.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        for line in [
            "content-type: application/problem+json",
            "connection: close",
            "x-content-type-options: nosniff",
            "date: Sun, 06 Dec 2026 03:31:59 GMT",
            &format!("content-length: {}", body.len()),
        ] {
            assert!(head.contains(line), "{line}: {head}");
        }
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["type"], "/problems/malformed-request");
        assert_eq!(problem["status"], 400);
    }
}
