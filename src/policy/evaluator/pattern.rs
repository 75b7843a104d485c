//! IAM wildcard patterns (`*` any run, `?` one character) compared with each other:
//! does one pattern cover every string of another, can two patterns name a common
//! string. Requests may carry wildcards too, standing for the text that is not known.

/// One unit of a pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token {
    Char(char),
    /// Any run of characters (possibly empty).
    Star,
    /// Exactly one character.
    One,
}

/// A pattern as tokens; `${*}`-style escapes arrive as `Char`.
pub type Tokens = Vec<Token>;

/// `*` and `?` are wildcards, every other character literal.
pub fn tokens(text: &str) -> Tokens {
    text.chars()
        .map(|c| match c {
            '*' => Token::Star,
            '?' => Token::One,
            c => Token::Char(c),
        })
        .collect()
}

/// Lower-cases the literal characters (action names compare case-insensitively).
pub fn lowercase(t: &[Token]) -> Tokens {
    t.iter()
        .map(|x| match x {
            Token::Char(c) => Token::Char(c.to_ascii_lowercase()),
            other => *other,
        })
        .collect()
}

/// Does `broad` match every string `narrow` can stand for? Sound: when it says yes, it
/// is so; exact whenever `narrow` has no wildcards.
pub fn covers(broad: &[Token], narrow: &[Token]) -> bool {
    let (n, m) = (broad.len(), narrow.len());
    // dp[i][j]: broad[i..] covers narrow[j..]; filled from the end.
    let mut dp = vec![vec![false; m + 1]; n + 1];
    dp[n][m] = true;
    for i in (0..n).rev() {
        for j in (0..=m).rev() {
            dp[i][j] = match broad[i] {
                Token::Star => dp[i + 1][j] || (j < m && dp[i][j + 1]),
                _ if j == m => false,
                Token::One => matches!(narrow[j], Token::Char(_) | Token::One) && dp[i + 1][j + 1],
                Token::Char(c) => narrow[j] == Token::Char(c) && dp[i + 1][j + 1],
            };
        }
    }
    dp[0][0]
}

/// Can `a` and `b` match a common string?
pub fn intersects(a: &[Token], b: &[Token]) -> bool {
    let (n, m) = (a.len(), b.len());
    let mut dp = vec![vec![false; m + 1]; n + 1];
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            dp[i][j] = if i == n && j == m {
                true
            } else if i < n && a[i] == Token::Star {
                dp[i + 1][j] || (j < m && dp[i][j + 1])
            } else if j < m && b[j] == Token::Star {
                dp[i][j + 1] || (i < n && dp[i + 1][j])
            } else if i == n || j == m {
                false
            } else {
                match (a[i], b[j]) {
                    (Token::Char(x), Token::Char(y)) => x == y && dp[i + 1][j + 1],
                    _ => dp[i + 1][j + 1],
                }
            };
        }
    }
    dp[0][0]
}

/// The six colon-separated parts of an ARN pattern (the last keeps its colons), or
/// `None` when the pattern is not shaped like an ARN.
fn arn_segments(t: &[Token]) -> Option<Vec<&[Token]>> {
    let prefix: Tokens = tokens("arn:");
    if t.len() < prefix.len() || t[..prefix.len()] != prefix[..] {
        return None;
    }
    let mut parts = Vec::with_capacity(6);
    let mut start = 0;
    for (i, tok) in t.iter().enumerate() {
        if parts.len() == 5 {
            break;
        }
        if *tok == Token::Char(':') {
            parts.push(&t[start..i]);
            start = i + 1;
        }
    }
    if parts.len() < 5 {
        return None;
    }
    parts.push(&t[start..]);
    Some(parts)
}

/// Segments of an ARN that name where a resource lives (partition, region, account):
/// a request that leaves one unknown (`*`) means "the function's own", which any
/// single value a grant names can be.
const PLACE_SEGMENTS: [usize; 3] = [1, 3, 4];

fn unknown(seg: &[Token]) -> bool {
    seg == [Token::Star]
}

/// Does the grant `granted` cover every resource the request pattern `requested` can
/// stand for? ARN segments the request leaves unknown (partition, region, account) are
/// taken to be whatever the grant names.
pub fn resource_covers(granted: &[Token], requested: &[Token]) -> bool {
    match (arn_segments(granted), arn_segments(requested)) {
        (Some(g), Some(r)) => (0..6).all(|i| (PLACE_SEGMENTS.contains(&i) && unknown(r[i])) || covers(g[i], r[i])),
        _ => covers(granted, requested),
    }
}

/// Can the grant `granted` match some resource the request pattern `requested` stands
/// for? (Unknown place segments as in [`resource_covers`].)
pub fn resource_intersects(granted: &[Token], requested: &[Token]) -> bool {
    match (arn_segments(granted), arn_segments(requested)) {
        (Some(g), Some(r)) => (0..6).all(|i| (PLACE_SEGMENTS.contains(&i) && unknown(r[i])) || intersects(g[i], r[i])),
        _ => intersects(granted, requested),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cov(a: &str, b: &str) -> bool {
        covers(&tokens(a), &tokens(b))
    }

    fn int(a: &str, b: &str) -> bool {
        intersects(&tokens(a), &tokens(b))
    }

    #[test]
    fn covering() {
        assert!(cov("*", ""));
        assert!(cov("*", "a*b?"));
        assert!(cov("a*", "a*"));
        assert!(cov("a*", "abc"));
        assert!(!cov("a*", "*"));
        assert!(cov("s3:Get?bject", "s3:GetObject"));
        assert!(!cov("s3:Get?bject", "s3:Get*bject"));
        assert!(cov("b/*", "b/in/*.json"));
        assert!(!cov("b/in/*", "b/*"));
        assert!(!cov("a?", "a"));
        assert!(cov("*b", "*b"));
    }

    #[test]
    fn intersecting() {
        assert!(int("a*", "*b"));
        assert!(int("b/in/*", "b/*"));
        assert!(!int("b/in/*", "c/*"));
        assert!(int("a?c", "abc"));
        assert!(!int("a?c", "ac"));
        assert!(int("", "*"));
    }

    #[test]
    fn unknown_places_take_the_grants_values() {
        let g = tokens("arn:aws:dynamodb:us-east-1:123456789012:table/Orders");
        let r = tokens("arn:aws:dynamodb:*:*:table/Orders");
        assert!(resource_covers(&g, &r));
        assert!(!resource_covers(&g, &tokens("arn:aws:dynamodb:*:*:table/Other")));
        assert!(!resource_covers(
            &g,
            &tokens("arn:aws:dynamodb:eu-west-1:*:table/Orders")
        ));
        // A `*` in the resource part is not a place: every object must be granted.
        assert!(!resource_covers(
            &tokens("arn:aws:s3:::b/in/*"),
            &tokens("arn:aws:s3:::b/*")
        ));
        assert!(resource_intersects(
            &tokens("arn:aws:s3:::b/in/*"),
            &tokens("arn:aws:s3:::b/*")
        ));
        // The last segment keeps its colons.
        assert!(resource_covers(
            &tokens("arn:aws:logs:*:*:log-group:/aws/lambda/*"),
            &tokens("arn:aws:logs:*:*:log-group:/aws/lambda/f-*:*")
        ));
        assert!(resource_covers(&tokens("arn:aws:sqs:*"), &tokens("arn:aws:sqs:*:*:q")));
    }
}
