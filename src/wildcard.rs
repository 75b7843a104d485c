//! IAM wildcard matching, `*` any run of characters and `?` one character, for every
//! stage that compares ARNs or action names. Depends on no stage.

/// Does `pattern` (with `*`/`?`) match `text`?
pub fn matches(pattern: &str, text: &str) -> bool {
    // ARNs and action names are ASCII in practice: match bytes without allocating;
    // otherwise match characters so `?` is one character.
    if pattern.is_ascii() && text.is_ascii() {
        return matches_slices(pattern.as_bytes(), text.as_bytes());
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    matches_slices(&p, &t)
}

/// Iterative wildcard matching with one backtrack point: linear in practice, no
/// recursion on adversarial patterns.
fn matches_slices<T: Copy + PartialEq + From<u8>>(p: &[T], t: &[T]) -> bool {
    let star = T::from(b'*');
    let any = T::from(b'?');
    let (mut pi, mut ti) = (0, 0);
    let (mut back, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == any || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star {
            back = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = back {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star {
        pi += 1;
    }
    pi == p.len()
}
