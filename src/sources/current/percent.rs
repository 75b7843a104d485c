//! Policy documents as IAM's API returns them: URL-encoded (`%7B%22Version%22...`) by
//! GetRolePolicy and GetPolicyVersion on AWS, raw JSON from some emulators. A document
//! that does not start with `{` is percent-decoded (`%XX` only: a `+` stays a `+`).

/// The document as JSON text.
pub fn decode_document(text: &str) -> String {
    let trimmed = text.trim_start();
    if trimmed.starts_with('{') {
        return text.to_string();
    }
    percent_decode(text)
}

/// Decodes `%XX` escapes; malformed escapes are kept as written.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_and_raw_documents() {
        assert_eq!(decode_document("%7B%22a%22%3A%22b+c%22%7D"), r#"{"a":"b+c"}"#);
        assert_eq!(decode_document(r#"{"a": "%41"}"#), r#"{"a": "%41"}"#);
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%4"), "%zz%4");
        assert_eq!(percent_decode("caf%C3%A9"), "café");
    }
}
