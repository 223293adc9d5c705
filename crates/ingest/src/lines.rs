//! Bounded record framing: JSON lines, and JSON arrays or concatenated
//! objects streamed element by element.
//!
//! Both readers reuse one buffer and never hold more than one record, so a
//! 5 GB export costs the same memory as a 5 KB one, and a record over the
//! size limit is skipped without being buffered.

use std::io::{self, BufRead};

/// Something that yields framed records with the line each starts on.
pub trait Framer {
    fn next_frame(&mut self) -> io::Result<Option<(u64, Frame<'_>)>>;
}

impl<R: BufRead> Framer for LineReader<R> {
    fn next_frame(&mut self) -> io::Result<Option<(u64, Frame<'_>)>> {
        self.next()
    }
}

impl<R: BufRead> Framer for ObjectSplitter<R> {
    fn next_frame(&mut self) -> io::Result<Option<(u64, Frame<'_>)>> {
        self.next()
    }
}

pub enum Frame<'a> {
    Record(&'a [u8]),
    TooLong(u64),
    /// The input ended inside a record (a truncated file).
    Truncated(&'a [u8]),
}

/// Reads newline-delimited records, at most `limit` bytes each.
///
/// A line that lies whole inside the reader's current buffer is handed out
/// as a slice of that buffer (no copy; with a memory-mapped file that is
/// the whole file); only lines split across buffer refills are copied.
pub struct LineReader<R> {
    inner: R,
    buf: Vec<u8>,
    limit: usize,
    /// Bytes of the previous line still to be consumed from `inner`.
    pending: usize,
    pub line: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R, limit: usize) -> Self {
        LineReader {
            inner,
            buf: Vec::new(),
            limit,
            pending: 0,
            line: 0,
        }
    }

    /// The next line (without its terminator) and its number, `None` at the end.
    pub fn next(&mut self) -> io::Result<Option<(u64, Frame<'_>)>> {
        self.inner.consume(std::mem::take(&mut self.pending));
        // Fast path: the whole line is in the buffer.
        let chunk = self.inner.fill_buf()?;
        if chunk.is_empty() {
            return Ok(None);
        }
        if let Some(i) = memchr::memchr(b'\n', chunk)
            && i <= self.limit
        {
            self.pending = i + 1;
            self.line += 1;
            let chunk = self.inner.fill_buf()?;
            let mut line = &chunk[..i];
            if line.last() == Some(&b'\r') {
                line = &line[..line.len() - 1];
            }
            return Ok(Some((self.line, Frame::Record(line))));
        }
        self.buf.clear();
        let mut total = 0u64;
        let mut overflow = false;
        loop {
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                if total == 0 {
                    return Ok(None);
                }
                break;
            }
            let (take, done) = match memchr::memchr(b'\n', chunk) {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            total += take as u64;
            if !overflow && self.buf.len() + take <= self.limit + 2 {
                self.buf.extend_from_slice(&chunk[..take]);
            } else {
                overflow = true;
                self.buf.clear();
            }
            self.inner.consume(take);
            if done {
                break;
            }
        }
        self.line += 1;
        if overflow {
            return Ok(Some((self.line, Frame::TooLong(total))));
        }
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        Ok(Some((self.line, Frame::Record(&self.buf))))
    }
}

/// Splits a JSON document into its top-level objects: the elements of a
/// top-level array (`[{…},{…}]`, Okta's export shape), or objects written
/// one after another. Tracks strings and escapes, so braces inside values
/// do not confuse it; a malformed element is handed on as bytes for the
/// JSON parser to describe.
pub struct ObjectSplitter<R> {
    inner: R,
    buf: Vec<u8>,
    limit: usize,
    /// Line (1-based) where the current record started.
    pub line: u64,
    cur_line: u64,
    started: bool,
    in_array: bool,
    finished: bool,
}

impl<R: BufRead> ObjectSplitter<R> {
    pub fn new(inner: R, limit: usize) -> Self {
        ObjectSplitter {
            inner,
            buf: Vec::new(),
            limit,
            line: 1,
            cur_line: 1,
            started: false,
            in_array: false,
            finished: false,
        }
    }

    fn next_byte(&mut self) -> io::Result<Option<u8>> {
        let chunk = self.inner.fill_buf()?;
        let Some(&b) = chunk.first() else {
            return Ok(None);
        };
        self.inner.consume(1);
        if b == b'\n' {
            self.cur_line += 1;
        }
        Ok(Some(b))
    }

    pub fn next(&mut self) -> io::Result<Option<(u64, Frame<'_>)>> {
        if self.finished {
            return Ok(None);
        }
        self.buf.clear();
        // Find the start of the next value, skipping whitespace and commas.
        let first = loop {
            match self.next_byte()? {
                None => {
                    self.finished = true;
                    if self.in_array {
                        self.line = self.cur_line;
                        return Ok(Some((self.line, Frame::Truncated(b""))));
                    }
                    return Ok(None);
                }
                Some(b) if b.is_ascii_whitespace() || b == b',' => continue,
                Some(0xEF) if !self.started => continue, // UTF-8 BOM
                Some(0xBB | 0xBF) if !self.started => continue,
                Some(b'[') if !self.started => {
                    self.started = true;
                    self.in_array = true;
                }
                Some(b']') if self.in_array => {
                    self.finished = true;
                    return Ok(None);
                }
                Some(b) => break b,
            }
        };
        self.started = true;
        self.line = self.cur_line;
        let mut depth = 0i32;
        let (mut in_str, mut esc) = (false, false);
        let mut total = 0u64;
        let mut overflow = false;
        let mut b = first;
        loop {
            total += 1;
            if !overflow {
                if self.buf.len() < self.limit {
                    self.buf.push(b);
                } else {
                    overflow = true;
                    self.buf.clear();
                }
            }
            if in_str {
                if esc {
                    esc = false;
                } else if b == b'\\' {
                    esc = true;
                } else if b == b'"' {
                    in_str = false;
                }
            } else {
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => depth -= 1,
                    _ => {}
                }
            }
            if depth <= 0
                && !in_str
                && (b == b'}' || b == b']' || (depth == 0 && first != b'{' && first != b'['))
            {
                break;
            }
            match self.next_byte()? {
                Some(n) => b = n,
                None => {
                    self.finished = true;
                    return Ok(Some((
                        self.line,
                        if overflow {
                            Frame::TooLong(total)
                        } else {
                            Frame::Truncated(&self.buf)
                        },
                    )));
                }
            }
        }
        Ok(Some((
            self.line,
            if overflow {
                Frame::TooLong(total)
            } else {
                Frame::Record(&self.buf)
            },
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], limit: usize) -> Vec<String> {
        let mut r = LineReader::new(input, limit);
        let mut out = vec![];
        while let Some((_, f)) = r.next().unwrap() {
            out.push(match f {
                Frame::Record(b) => String::from_utf8_lossy(b).into_owned(),
                Frame::TooLong(n) => format!("TOO LONG {n}"),
                Frame::Truncated(_) => unreachable!(),
            });
        }
        out
    }

    #[test]
    fn lines_with_crlf_and_no_final_newline() {
        assert_eq!(lines(b"a\r\nb\n\nc", 100), ["a", "b", "", "c"]);
    }

    #[test]
    fn overlong_line_skipped_without_desync() {
        let mut input = b"{\"a\":1}\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', 10_000));
        input.extend(b"\n{\"b\":2}\n");
        // A small BufReader capacity forces the long line across many chunks.
        let reader = std::io::BufReader::with_capacity(64, &input[..]);
        let mut r = LineReader::new(reader, 100);
        let mut got = vec![];
        while let Some((line, f)) = r.next().unwrap() {
            got.push(match f {
                Frame::Record(b) => String::from_utf8_lossy(b).into_owned(),
                Frame::TooLong(n) => format!("TOO LONG {n} at {line}"),
                Frame::Truncated(_) => unreachable!(),
            });
        }
        assert_eq!(got, ["{\"a\":1}", "TOO LONG 10001 at 2", "{\"b\":2}"]);
    }

    fn objects(input: &str) -> Vec<(u64, String)> {
        let mut s = ObjectSplitter::new(input.as_bytes(), 1000);
        let mut out = vec![];
        while let Some((line, f)) = s.next().unwrap() {
            let text = match f {
                Frame::Record(b) => String::from_utf8_lossy(b).into_owned(),
                Frame::Truncated(b) => format!("TRUNCATED {}", String::from_utf8_lossy(b)),
                Frame::TooLong(n) => format!("TOO LONG {n}"),
            };
            out.push((line, text));
        }
        out
    }

    #[test]
    fn array_elements_with_tricky_strings() {
        let got = objects("[\n {\"a\": \"}{]\\\"\"},\n {\"b\": [1, {\"c\": 2}]}\n]\n");
        assert_eq!(
            got,
            [
                (2, r#"{"a": "}{]\""}"#.to_string()),
                (3, r#"{"b": [1, {"c": 2}]}"#.to_string())
            ]
        );
    }

    #[test]
    fn concatenated_objects_and_truncation() {
        assert_eq!(
            objects("{\"a\":1}\n{\"b\":2}"),
            [(1, "{\"a\":1}".into()), (2, "{\"b\":2}".into())]
        );
        let got = objects("[{\"a\":1},\n{\"b\":");
        assert_eq!(got[1], (2, "TRUNCATED {\"b\":".into()));
        let got = objects("[{\"a\":1}");
        assert_eq!(got.len(), 2, "array never closed");
        assert!(got[1].1.starts_with("TRUNCATED"));
    }
}
