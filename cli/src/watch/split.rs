//! Splits a byte stream into its top-level JSON objects.
//!
//! `kubectl get --watch --output-watch-events -o json` prints one pretty-printed
//! object per event, one after another, with no separator a line reader could
//! rely on. The scanner here only tracks strings (and their escapes) and brace
//! depth, so it finds where each object ends without parsing it (jumping over
//! the text of strings); the core's decoder reads the object itself.
//!
//! While it scans, it drops the whitespace between tokens, in place: kubectl's
//! indentation is more than half of a pretty-printed event's bytes, and every
//! reader after this one (the core's decoder, the watch's header) would step
//! over each of those bytes again. Strings are kept byte for byte.

use std::io::{self, Read};

/// Bytes asked of the reader at a time.
const CHUNK: usize = 64 << 10;

/// Reads top-level JSON objects from `R`.
pub struct Splitter<R> {
    reader: R,
    buf: Vec<u8>,
    /// Where each read goes before it is appended to `buf`: reading into
    /// `buf` itself would zero its room for the read first (64 KiB a read,
    /// more than the copy of what was read).
    chunk: Box<[u8]>,
    /// Where the object being scanned starts.
    start: usize,
    /// The next byte to scan.
    pos: usize,
    /// Where the next byte kept of the object being scanned goes: the object
    /// so far, without its whitespace between tokens, is `buf[start..kept]`
    /// (`kept <= pos`).
    kept: usize,
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
            chunk: vec![0; CHUNK].into_boxed_slice(),
            start: 0,
            pos: 0,
            kept: 0,
            depth: 0,
            in_string: false,
            escaped: false,
            max_bytes,
            dropped: 0,
        }
    }

    /// The next object, without whitespace between its tokens; `None` at the
    /// end of the stream. Whitespace between objects is skipped; anything else
    /// outside an object is an error, as is a stream that ends inside one.
    pub fn next_object(&mut self) -> io::Result<Option<&[u8]>> {
        loop {
            while let Some(&b) = self.buf.get(self.pos) {
                self.pos += 1;
                if self.depth == 0 {
                    match b {
                        b' ' | b'\n' | b'\r' | b'\t' => self.start = self.pos,
                        b'{' => {
                            self.start = self.pos - 1;
                            self.kept = self.pos;
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
                    self.keep(b);
                    if self.escaped {
                        self.escaped = false;
                    } else if b == b'\\' {
                        self.escaped = true;
                    } else if b == b'"' {
                        self.in_string = false;
                    } else {
                        self.keep_string_text();
                    }
                    continue;
                }
                match b {
                    // One blank after a number or literal stays, so that
                    // `1 2` does not become `12`.
                    b' ' | b'\n' | b'\r' | b'\t' => {
                        if self.after_scalar() {
                            self.keep(b);
                        }
                        // Indentation comes in runs: the rest of this one goes
                        // at once.
                        self.pos += blank_run(self.buf.get(self.pos..).unwrap_or(&[]));
                    }
                    b'"' => {
                        self.keep(b);
                        self.in_string = true;
                        self.keep_string_text();
                    }
                    b'{' | b'[' => {
                        self.keep(b);
                        self.depth += 1;
                    }
                    b'}' | b']' => {
                        self.keep(b);
                        self.depth -= 1;
                        if self.depth == 0 {
                            let object = self.start..self.kept;
                            self.start = self.pos;
                            return Ok(self.buf.get(object));
                        }
                    }
                    _ => self.keep(b),
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
            self.kept = self.kept.saturating_sub(self.start);
            self.start = 0;
            let n = loop {
                match self.reader.read(&mut self.chunk) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    other => break other,
                }
            }?;
            self.buf
                .extend_from_slice(self.chunk.get(..n).unwrap_or(&[]));
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
    /// Keeps byte `b`, the one just scanned, in the object.
    fn keep(&mut self, b: u8) {
        if let Some(slot) = self.buf.get_mut(self.kept) {
            *slot = b;
        }
        self.kept += 1;
    }

    /// Whether the last byte kept is part of a number or literal.
    fn after_scalar(&self) -> bool {
        let last = self.kept.checked_sub(1).and_then(|i| self.buf.get(i));
        !matches!(
            last,
            None | Some(
                b'{' | b'[' | b',' | b':' | b'"' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'
            )
        )
    }

    /// Moves past the text of the string being scanned up to its next quote
    /// or backslash (or the end of what is read), keeping it: most of an
    /// object's bytes are in strings, and `memchr2` looks at many at a time.
    fn keep_string_text(&mut self) {
        let rest = self.buf.get(self.pos..).unwrap_or(&[]);
        let n = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
        if self.kept != self.pos {
            self.buf.copy_within(self.pos..self.pos + n, self.kept);
        }
        self.pos += n;
        self.kept += n;
    }
}

/// How many bytes of whitespace `text` starts with. Pretty-printed events are
/// indented by runs of spaces: eight are looked at at once while they last.
fn blank_run(text: &[u8]) -> usize {
    const SPACES: u64 = u64::from_ne_bytes([b' '; 8]);
    let mut n = 0;
    while let Some(word) = text.get(n..n + 8) {
        let mut w = [0; 8];
        w.copy_from_slice(word);
        if u64::from_ne_bytes(w) != SPACES {
            break;
        }
        n += 8;
    }
    let rest = text.get(n..).unwrap_or(&[]);
    n + rest
        .iter()
        .position(|b| !matches!(b, b' ' | b'\n' | b'\r' | b'\t'))
        .unwrap_or(rest.len())
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
        assert_eq!(
            objects[0],
            "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"annotations\":{\"a\":\"}{\\\"\"}}}}"
        );
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
        let text = "x ".repeat(3 * CHUNK / 2);
        let big = format!("{{\"a\": \"{text}\"}}");
        let objects = split(&format!("{big}\n{big}")).unwrap();
        let compact = format!("{{\"a\":\"{text}\"}}");
        assert_eq!(objects, vec![compact.clone(), compact]);
    }

    /// Gives its bytes `.1` at a time, as a pipe may.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn a_stream_read_a_few_bytes_at_a_time_splits_as_when_read_whole() {
        // A large object first: the buffer it leaves is larger than what
        // the reads after it bring.
        let big = format!("{{\"a\": \"{}\"}}", "x ".repeat(CHUNK));
        let input = format!(
            "{big}\n{{\n    \"type\": \"ADDED\",\n    \"object\": {{\"kind\": \"Node\"}}\n}}\n  {{\"b\": [1 ,  2]}}\n"
        );
        let whole = split(&input).unwrap();
        assert_eq!(whole.len(), 3);
        for step in [1, 7, 4096, CHUNK + 3] {
            let mut s = Splitter::new(Trickle(input.as_bytes(), step), 1 << 20);
            let mut objects = Vec::new();
            while let Some(o) = s.next_object().unwrap() {
                objects.push(String::from_utf8(o.to_vec()).unwrap());
            }
            assert_eq!(objects, whole, "{step} bytes a read");
        }
    }

    #[test]
    fn whitespace_between_tokens_is_dropped_and_kept_in_strings() {
        let input = "{\n  \"type\" : \"MODIFIED\",\r\n\t\"object\": {\"metadata\": {\"annotations\": {\n    \"note\": \" a\\\"  b \\\\\",\n    \"list\": [ 1 , true , null ]\n}}}\n}";
        let objects = split(input).unwrap();
        assert_eq!(
            objects,
            vec!["{\"type\":\"MODIFIED\",\"object\":{\"metadata\":{\"annotations\":{\"note\":\" a\\\"  b \\\\\",\"list\":[1 ,true ,null ]}}}}"]
        );
        // Two numbers are not joined into one: the object stays invalid.
        assert_eq!(split("{\"a\": [1  \n 2]}").unwrap(), vec!["{\"a\":[1 2]}"]);
    }

    #[test]
    fn deep_indentation_and_strings_with_escapes_are_kept_right() {
        let value = format!("{}\\\"}}{}", "v".repeat(30), "w".repeat(5));
        let input = format!(
            "{{\n{}\"labels\":{{\n{} \t\"a-long-label-key-of-more-than-24\": \"{value}\"}}\n{}}}",
            " ".repeat(24),
            " ".repeat(17),
            " ".repeat(9)
        );
        assert_eq!(
            split(&input).unwrap(),
            vec![format!(
                "{{\"labels\":{{\"a-long-label-key-of-more-than-24\":\"{value}\"}}}}"
            )]
        );
    }
}
