//! URI helpers shared by the pool and error messages.

/// Replace `user:password@` in every `mongodb://` or `mongodb+srv://` URI found
/// in `text` with `***@`, so credentials never reach an error or a log line.
pub fn mask_credentials(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    loop {
        let Some(start) = find_scheme(rest) else {
            out.push_str(rest);
            return out;
        };
        let (scheme_len, _) = start;
        let idx = start.1;
        out.push_str(&rest[..idx + scheme_len]);
        let after = &rest[idx + scheme_len..];
        // The authority ends at the first '/', whitespace, or end of text.
        let end = after
            .find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
}

/// Returns (scheme length, byte index) of the next MongoDB scheme in `s`.
fn find_scheme(s: &str) -> Option<(usize, usize)> {
    let lower = s.to_ascii_lowercase();
    let a = lower.find("mongodb+srv://").map(|i| (14, i));
    let b = lower.find("mongodb://").map(|i| (10, i));
    match (a, b) {
        (Some(x), Some(y)) => Some(if x.1 <= y.1 { x } else { y }),
        (x, y) => x.or(y),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_user_and_password() {
        assert_eq!(
            mask_credentials("cannot reach mongodb://alice:s3cret@db.example:27017/x"),
            "cannot reach mongodb://***@db.example:27017/x"
        );
    }

    #[test]
    fn masks_srv_and_multiple() {
        let s = mask_credentials("a mongodb+srv://u:p@h/ and mongodb://v:q@k:1");
        assert_eq!(s, "a mongodb+srv://***@h/ and mongodb://***@k:1");
        assert!(!s.contains(":p@") && !s.contains(":q@"));
    }

    #[test]
    fn leaves_uris_without_credentials() {
        assert_eq!(
            mask_credentials("mongodb://127.0.0.1:27017"),
            "mongodb://127.0.0.1:27017"
        );
        assert_eq!(mask_credentials("no uri here"), "no uri here");
    }
}
