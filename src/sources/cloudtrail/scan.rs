//! Splits a stream of trail JSON into record-sized objects without holding the whole
//! stream: `{"Records":[{..},{..}]}` yields each element, JSON Lines and concatenated
//! objects yield each object, a top-level array yields each element. Memory is bounded by
//! [`MAX_RECORD`], never by the file or by the largest object: an object larger than that
//! is skipped while it streams past (counted in [`Scanner::oversized`]), never held whole.
//! A file cut short still yields every whole object before the cut (a broken
//! `{"Records":[ {..} {..}` with no commas too).

use std::io::{self, BufRead};

/// Why a stream stopped early.
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cut short inside a JSON value (truncated file?)")]
    Truncated,
    #[error("not JSON (unexpected byte {0:?} at offset {1})")]
    NotJson(char, u64),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// The largest object kept in memory at once: 4 MiB, four times the largest event
/// CloudTrail stores (1 MB, an event data store's `Large` event size; a trail's records
/// are smaller). A reader's memory is bounded by it whatever a hostile file holds.
pub const MAX_RECORD: usize = 4 << 20;

/// What follows a top-level `{`.
enum Entered {
    Records,
    /// The object already closed (`{}`).
    Closed,
    /// Still this many brackets deep.
    Depth(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Between top-level values.
    Top,
    /// Inside a top-level array.
    TopArray,
    /// Inside the `Records` array of a trail file's top-level object.
    Records,
}

pub struct Scanner<R> {
    reader: R,
    mode: Mode,
    buf: Vec<u8>,
    offset: u64,
    /// The most bytes `buf` may hold ([`MAX_RECORD`]).
    max: usize,
    /// The object being read passed `max`: the rest of it is consumed, not kept.
    overflow: bool,
    /// Objects skipped for passing `max`.
    oversized: u64,
}

impl<R: BufRead> Scanner<R> {
    pub fn new(reader: R) -> Scanner<R> {
        Scanner::with_max(reader, MAX_RECORD)
    }

    /// A scanner that keeps objects of at most `max` bytes.
    pub fn with_max(reader: R, max: usize) -> Scanner<R> {
        Scanner {
            reader,
            mode: Mode::Top,
            buf: Vec::with_capacity(16 << 10),
            offset: 0,
            max,
            overflow: false,
            oversized: 0,
        }
    }

    /// Objects skipped because they were larger than the cap.
    pub fn oversized(&self) -> u64 {
        self.oversized
    }

    /// Keeps `bytes` in `buf` unless the object has passed the cap (then it is dropped as
    /// it streams by).
    fn keep(&mut self, bytes: &[u8]) {
        keep_bytes(&mut self.buf, &mut self.overflow, self.max, bytes);
    }

    /// After an object was captured: `true` when it was whole, else it is counted and
    /// dropped.
    fn captured(&mut self) -> bool {
        if !self.overflow {
            return true;
        }
        self.overflow = false;
        self.oversized += 1;
        self.buf.clear();
        if self.buf.capacity() > self.max {
            self.buf.shrink_to(16 << 10);
        }
        false
    }

    /// Bytes consumed so far (uncompressed).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next object, or `None` at a clean end.
    pub fn next_object(&mut self) -> Result<Option<&[u8]>, ScanError> {
        loop {
            let Some(b) = self.next_token_byte()? else {
                return match self.mode {
                    Mode::Top => Ok(None),
                    _ => Err(ScanError::Truncated),
                };
            };
            match (self.mode, b) {
                (Mode::Top, b'{') => {
                    self.buf.clear();
                    self.buf.push(b'{');
                    match self.enter_records()? {
                        Entered::Records => {
                            self.mode = Mode::Records;
                            continue;
                        }
                        Entered::Closed => {}
                        Entered::Depth(d) => self.capture_rest(d)?,
                    }
                    if !self.captured() {
                        continue;
                    }
                    return Ok(Some(&self.buf));
                }
                (Mode::Top, b'[') => self.mode = Mode::TopArray,
                (Mode::TopArray | Mode::Records, b'{') => {
                    self.buf.clear();
                    self.buf.push(b'{');
                    self.capture_rest(1)?;
                    if !self.captured() {
                        continue;
                    }
                    return Ok(Some(&self.buf));
                }
                (Mode::TopArray, b']') => self.mode = Mode::Top,
                (Mode::Records, b']') => {
                    // The rest of the trail file's object: skip it, keeping nothing.
                    self.skip_rest(1)?;
                    self.mode = Mode::Top;
                }
                (Mode::TopArray | Mode::Records, b'"') => self.skip_string()?,
                (Mode::TopArray | Mode::Records, b'[') => self.skip_rest_of_array()?,
                (Mode::TopArray | Mode::Records, c) if c.is_ascii_alphanumeric() || c == b'-' => {
                    // A scalar element (number, true, null): not a record; skip it.
                }
                (_, c) => return Err(ScanError::NotJson(c as char, self.offset)),
            }
        }
    }

    /// The next byte that is not whitespace or a comma (commas are optional between
    /// elements: a broken file may have none).
    fn next_token_byte(&mut self) -> Result<Option<u8>, ScanError> {
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Ok(None);
            }
            let skip = chunk
                .iter()
                .position(|c| !matches!(c, b' ' | b'\n' | b'\r' | b'\t' | b','))
                .unwrap_or(chunk.len());
            if skip < chunk.len() {
                let b = chunk[skip];
                self.reader.consume(skip + 1);
                self.offset += skip as u64 + 1;
                return Ok(Some(b));
            }
            let n = chunk.len();
            self.reader.consume(n);
            self.offset += n as u64;
        }
    }

    /// After a top-level `{` (already in `buf`): when its first member is `"Records": [`,
    /// consumes through the `[`; otherwise copies what it read into `buf` and says how
    /// deep the object still is.
    fn enter_records(&mut self) -> Result<Entered, ScanError> {
        let Some(b) = self.next_token_byte()? else {
            return Err(ScanError::Truncated);
        };
        self.keep(&[b]);
        match b {
            b'}' => return Ok(Entered::Closed),
            b'"' => {}
            b'{' | b'[' => return Ok(Entered::Depth(2)),
            _ => return Ok(Entered::Depth(1)),
        }
        let start = self.buf.len().saturating_sub(1);
        self.copy_string(true)?;
        let is_records = !self.overflow && &self.buf[start..] == b"\"Records\"";
        let Some(colon) = self.next_token_byte()? else {
            return Err(ScanError::Truncated);
        };
        self.keep(&[colon]);
        if colon != b':' {
            return Ok(Entered::Depth(1));
        }
        let Some(value) = self.next_token_byte()? else {
            return Err(ScanError::Truncated);
        };
        if value == b'[' && is_records {
            return Ok(Entered::Records);
        }
        self.keep(&[value]);
        match value {
            b'"' => {
                self.copy_string(true)?;
                Ok(Entered::Depth(1))
            }
            b'{' | b'[' => Ok(Entered::Depth(2)),
            b'}' => Ok(Entered::Closed),
            _ => Ok(Entered::Depth(1)),
        }
    }

    /// Reads the rest of a string (the opening quote already consumed), into `buf` when
    /// `keep`.
    fn copy_string(&mut self, keep: bool) -> Result<(), ScanError> {
        let mut pending_escape = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Err(ScanError::Truncated);
            }
            let mut i = usize::from(pending_escape);
            pending_escape = false;
            let mut end = None;
            while i < chunk.len() {
                match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                    Some(k) if chunk[i + k] == b'"' => {
                        end = Some(i + k + 1);
                        break;
                    }
                    Some(k) if i + k + 1 < chunk.len() => i += k + 2,
                    Some(_) => {
                        pending_escape = true;
                        i = chunk.len();
                    }
                    None => i = chunk.len(),
                }
            }
            let n = end.unwrap_or(chunk.len());
            if keep {
                keep_bytes(&mut self.buf, &mut self.overflow, self.max, &chunk[..n]);
            }
            self.reader.consume(n);
            self.offset += n as u64;
            if end.is_some() {
                return Ok(());
            }
        }
    }

    /// Copies the rest of an object or array into `buf` until `depth` closes.
    fn capture_rest(&mut self, depth: usize) -> Result<(), ScanError> {
        self.walk(depth, true)
    }

    fn skip_rest(&mut self, depth: usize) -> Result<(), ScanError> {
        self.walk(depth, false)
    }

    fn skip_rest_of_array(&mut self) -> Result<(), ScanError> {
        self.walk(1, false)
    }

    fn skip_string(&mut self) -> Result<(), ScanError> {
        self.copy_string(false)
    }

    /// Reads until the bracket depth returns to zero, copying into `buf` when `keep`.
    /// Inside strings it jumps from quote to backslash with `memchr`.
    fn walk(&mut self, mut depth: usize, keep: bool) -> Result<(), ScanError> {
        let mut in_string = false;
        let mut pending_escape = false;
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                return Err(ScanError::Truncated);
            }
            let mut i = usize::from(pending_escape);
            pending_escape = false;
            let mut end = None;
            while i < chunk.len() {
                if in_string {
                    match memchr::memchr2(b'"', b'\\', &chunk[i..]) {
                        Some(k) if chunk[i + k] == b'"' => {
                            in_string = false;
                            i += k + 1;
                        }
                        Some(k) if i + k + 1 < chunk.len() => i += k + 2,
                        Some(_) => {
                            pending_escape = true;
                            i = chunk.len();
                        }
                        None => i = chunk.len(),
                    }
                    continue;
                }
                match chunk[i] {
                    b'"' => in_string = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            let n = end.unwrap_or(chunk.len());
            if keep {
                keep_bytes(&mut self.buf, &mut self.overflow, self.max, &chunk[..n]);
            }
            self.reader.consume(n);
            self.offset += n as u64;
            if end.is_some() {
                return Ok(());
            }
        }
    }
}

/// [`Scanner::keep`] on the scanner's fields, so a chunk borrowed from its reader can be
/// kept without a copy.
fn keep_bytes(buf: &mut Vec<u8>, overflow: &mut bool, max: usize, bytes: &[u8]) {
    if *overflow || buf.len() + bytes.len() > max {
        *overflow = true;
        buf.clear();
        return;
    }
    buf.extend_from_slice(bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn objects(text: &str) -> (Vec<String>, Option<String>) {
        let mut s = Scanner::new(io::BufReader::with_capacity(7, text.as_bytes()));
        let mut out = Vec::new();
        loop {
            match s.next_object() {
                Ok(Some(o)) => out.push(String::from_utf8_lossy(o).into_owned()),
                Ok(None) => return (out, None),
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }

    #[test]
    fn trail_file_yields_each_record() {
        let (o, err) = objects(r#" {"Records": [ {"a":"}{\"x"}, {"b":[1,{"c":2}]} ] , "x": {"y": [1]}} "#);
        assert_eq!(o, vec![r#"{"a":"}{\"x"}"#, r#"{"b":[1,{"c":2}]}"#]);
        assert!(err.is_none());
    }

    #[test]
    fn json_lines_and_arrays() {
        let (o, err) = objects("{\"a\":1}\n{\"b\":2}\n\n");
        assert_eq!(o, vec!["{\"a\":1}", "{\"b\":2}"]);
        assert!(err.is_none());
        let (o, _) = objects(r#"[{"a":1}, 3, "s", {"b":2}]"#);
        assert_eq!(o, vec![r#"{"a":1}"#, r#"{"b":2}"#]);
        // A top-level object whose first key is not Records is one value.
        let (o, _) = objects(r#"{"eventName":"X","Records":1}"#);
        assert_eq!(o, vec![r#"{"eventName":"X","Records":1}"#]);
        let (o, _) = objects(r#"{} {"a": {"b": "}"}} {"c":[1]}"#);
        assert_eq!(o, vec!["{}", r#"{"a":{"b": "}"}}"#, r#"{"c":[1]}"#]);
    }

    #[test]
    fn broken_records_array_yields_what_is_whole() {
        let (o, err) = objects(r#"{"Records": [ {"a":1} {"b":2} {"c":"#);
        assert_eq!(o, vec![r#"{"a":1}"#, r#"{"b":2}"#]);
        assert!(err.unwrap().contains("cut short"));
    }

    #[test]
    fn escapes_across_buffer_boundaries() {
        // The reader's buffer is 7 bytes: every split position of `\"` is met.
        for pad in 0..8 {
            let text = format!(
                r#"{{"Records":[{{"a":"{}\\\"}}\"","b":1}},{{"c":"\\"}}]}}"#,
                "x".repeat(pad)
            );
            let (o, err) = objects(&text);
            assert!(err.is_none(), "{text}: {err:?}");
            assert_eq!(o.len(), 2, "{text}: {o:?}");
            for obj in &o {
                serde_json::from_str::<serde_json::Value>(obj).unwrap_or_else(|e| panic!("{obj}: {e}"));
            }
        }
    }

    #[test]
    fn an_object_over_the_cap_is_skipped_as_it_streams_and_the_rest_read() {
        for text in [
            format!(r#"{{"Records":[{{"a":1}},{{"big":"{}"}},{{"b":2}}]}}"#, "x".repeat(100)),
            format!(r#"{{"Records":[{{"a":1}},{{"{}":1}},{{"b":2}}]}}"#, "x".repeat(100)),
            format!("{{\"a\":1}}\n{{\"big\":[{}]}}\n{{\"b\":2}}\n", "1,".repeat(50) + "1"),
            format!(r#"{{"a":1}} {{"{}":{{"c":1}}}} {{"b":2}}"#, "k".repeat(100)),
            format!(r#"{{"Records":["{}",{{"a":1}},{{"b":2}}]}}"#, "s".repeat(1000)),
        ] {
            let mut s = Scanner::with_max(io::BufReader::with_capacity(7, text.as_bytes()), 64);
            let mut out = Vec::new();
            while let Some(o) = s.next_object().unwrap() {
                out.push(String::from_utf8_lossy(o).into_owned());
                assert!(s.buf.capacity() <= 16 << 10);
            }
            assert_eq!(out, vec![r#"{"a":1}"#, r#"{"b":2}"#], "{text}");
            let skipped = u64::from(!text.contains(r#"["sss"#));
            assert_eq!(s.oversized(), skipped, "{text}");
        }
    }

    #[test]
    fn not_json_is_an_error() {
        let (o, err) = objects("id,name\n1,x\n");
        assert!(o.is_empty());
        assert!(err.unwrap().contains("not JSON"));
    }
}
