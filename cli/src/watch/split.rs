//! Splits a byte stream into its top-level JSON objects.
//!
//! `kubectl get --watch --output-watch-events -o json` prints one pretty-printed
//! object per event, one after another, with no separator a line reader could
//! rely on. The scanner here only tracks strings (and their escapes) and brace
//! depth, so it finds where each object ends without parsing it (jumping over
//! the text of strings); the core's decoder reads the object itself.

use std::io::{self, Read};

/// Bytes asked of the reader at a time.
const CHUNK: usize = 64 << 10;

/// Reads top-level JSON objects from `R`.
pub struct Splitter<R> {
    reader: R,
    buf: Vec<u8>,
    /// Where the object being scanned starts.
    start: usize,
    /// The next byte to scan.
    pos: usize,
    depth: u32,
    in_string: bool,
    escaped: bool,
    /// The largest object accepted, in bytes.
    max_bytes: usize,
    /// Bytes of the stream dropped from `buf` so far (for error offsets).
    dropped: u64,
}

impl<R: Read> Splitter<R> {
    /// A splitter over `reader`, refusing objects over `max_bytes`.
    pub fn new(reader: R, max_bytes: usize) -> Self {
        Splitter {
            reader,
            buf: Vec::with_capacity(CHUNK),
            start: 0,
            pos: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            max_bytes,
            dropped: 0,
        }
    }

    /// The next object, `None` at the end of the stream. Whitespace between
    /// objects is skipped; anything else outside an object is an error, as is
    /// a stream that ends inside one.
    pub fn next_object(&mut self) -> io::Result<Option<&[u8]>> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                self.pos += 1;
                if self.depth == 0 {
                    match b {
                        b' ' | b'\n' | b'\r' | b'\t' => self.start = self.pos,
                        b'{' => {
                            self.start = self.pos - 1;
                            self.depth = 1;
                        }
                        _ => {
                            return Err(invalid(format!(
                                "byte {}: expected a JSON object, found {:?}",
                                self.dropped + self.pos as u64 - 1,
                                char::from(b)
                            )))
                        }
                    }
                    continue;
                }
                if self.in_string {
                    if self.escaped {
                        self.escaped = false;
                    } else if b == b'\\' {
                        self.escaped = true;
                    } else if b == b'"' {
                        self.in_string = false;
                    } else {
                        self.skip_string_text();
                    }
                    continue;
                }
                match b {
                    b'"' => {
                        self.in_string = true;
                        self.skip_string_text();
                    }
                    b'{' | b'[' => self.depth += 1,
                    b'}' | b']' => {
                        self.depth -= 1;
                        if self.depth == 0 {
                            let object = self.start..self.pos;
                            self.start = self.pos;
                            return Ok(self.buf.get(object));
                        }
                    }
                    _ => {}
                }
            }
            if self.pos - self.start > self.max_bytes {
                return Err(invalid(format!(
                    "an object of more than {} bytes (--max-bytes)",
                    self.max_bytes
                )));
            }
            // Keep only the object being scanned, then read more.
            self.buf.drain(..self.start);
            self.dropped += self.start as u64;
            self.pos -= self.start;
            self.start = 0;
            let len = self.buf.len();
            self.buf.resize(len + CHUNK, 0);
            let n = loop {
                match self.reader.read(&mut self.buf[len..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            };
            let n = match n {
                Ok(n) => n,
                Err(e) => {
                    self.buf.truncate(len);
                    return Err(e);
                }
            };
            self.buf.truncate(len + n);
            if n == 0 {
                if self.depth > 0 {
                    return Err(invalid(format!(
                        "the stream ends inside an object (byte {})",
                        self.dropped + self.start as u64
                    )));
                }
                return Ok(None);
            }
        }
    }
}

impl<R> Splitter<R> {
    /// Moves past the text of the string being scanned up to its next quote
    /// or backslash (or the end of what is read): most of an object's bytes
    /// are in strings, and `memchr2` looks at many at a time.
    fn skip_string_text(&mut self) {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        self.pos += memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &str) -> io::Result<Vec<String>> {
        let mut s = Splitter::new(input.as_bytes(), 1 << 20);
        let mut out = Vec::new();
        while let Some(o) = s.next_object()? {
            out.push(String::from_utf8(o.to_vec()).unwrap());
        }
        Ok(out)
    }

    #[test]
    fn pretty_printed_events_with_braces_in_strings_are_split_where_they_end() {
        let input = "{\n    \"type\": \"ADDED\",\n    \"object\": {\"metadata\": {\"annotations\": {\"a\": \"}{\\\"\"}}}\n}\n{\"type\":\"DELETED\",\"object\":{\"items\":[{}]}}  \n";
        let objects = split(input).unwrap();
        assert_eq!(objects.len(), 2);
        assert!(objects[0].ends_with("}}}\n}"));
        assert_eq!(
            objects[1],
            "{\"type\":\"DELETED\",\"object\":{\"items\":[{}]}}"
        );
    }

    #[test]
    fn a_stream_cut_inside_an_object_or_not_json_is_an_error() {
        assert!(split("{\"type\": \"ADDED\", \"object\": {").is_err());
        assert!(split("error: the server doesn't have a resource type").is_err());
        assert_eq!(split("  \n").unwrap().len(), 0);
    }

    #[test]
    fn objects_larger_than_a_read_are_joined() {
        let big = format!("{{\"a\": \"{}\"}}", "x".repeat(3 * CHUNK));
        let objects = split(&format!("{big}{big}")).unwrap();
        assert_eq!(objects, vec![big.clone(), big]);
    }
}
