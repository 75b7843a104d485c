//! The caps every evaluator of a definition's values holds (Serverless variables,
//! CloudFormation intrinsics, Terraform expressions) and the strings code builds, so a
//! hostile input (a value that doubles itself, references that fan out) costs bounded
//! time and memory: a string longer than [`MAX_VALUE_BYTES`] becomes `*`, and past
//! [`MAX_STEPS`] evaluation steps for one definition every further value is `*`. The
//! reader of a definition ([`start`] … [`finish`]) turns what was hit into one
//! `evaluation-limit` warning.

use std::cell::Cell;

/// The longest string an evaluated value may be (64 KiB); no resource name comes close.
pub const MAX_VALUE_BYTES: usize = 64 * 1024;

/// Evaluation steps (a variable, intrinsic or expression evaluated) one definition may
/// take, its nested stacks and modules included.
pub const MAX_STEPS: u64 = 1_000_000;

/// Nested stacks or local modules one definition may include, all levels together.
pub const MAX_INCLUDED: u32 = 256;

/// Bytes of files one definition's values may read (`${file(...)}`, `file()`,
/// `templatefile()`), all reads together: a file named over and over is read at most
/// this much.
pub const MAX_READ_BYTES: u64 = 64 << 20;

thread_local! {
    static READ: Cell<u64> = const { Cell::new(0) };
    static TOO_MUCH_READ: Cell<bool> = const { Cell::new(false) };
    static INCLUDED: Cell<u32> = const { Cell::new(0) };
    static TOO_WIDE: Cell<bool> = const { Cell::new(false) };
    static STEPS: Cell<u64> = const { Cell::new(0) };
    static TOO_LONG: Cell<bool> = const { Cell::new(false) };
    static TOO_MANY: Cell<bool> = const { Cell::new(false) };
}

/// Starts counting for one definition (evaluation runs on the reading thread).
pub fn start() {
    READ.set(0);
    TOO_MUCH_READ.set(false);
    INCLUDED.set(0);
    TOO_WIDE.set(false);
    STEPS.set(0);
    TOO_LONG.set(false);
    TOO_MANY.set(false);
}

/// One evaluation step; `false` once the definition's budget is spent (the caller gives
/// `*`, or nothing known, instead of evaluating).
pub fn step() -> bool {
    let n = STEPS.get().saturating_add(1);
    STEPS.set(n);
    if n > MAX_STEPS {
        TOO_MANY.set(true);
        return false;
    }
    true
}

/// Whether a value may read another file: `false` once the definition's reads passed
/// [`MAX_READ_BYTES`].
pub fn may_read() -> bool {
    if READ.get() > MAX_READ_BYTES {
        TOO_MUCH_READ.set(true);
        return false;
    }
    true
}

/// Counts `len` bytes a value read; `false` (the text is not used) when that passes
/// [`MAX_READ_BYTES`].
pub fn charge_read(len: usize) -> bool {
    READ.set(READ.get().saturating_add(len as u64));
    may_read()
}

/// One nested stack or local module about to be read; `false` (it is not read) past
/// [`MAX_INCLUDED`] for the definition.
pub fn include() -> bool {
    let n = INCLUDED.get().saturating_add(1);
    INCLUDED.set(n);
    if n > MAX_INCLUDED {
        TOO_WIDE.set(true);
        return false;
    }
    true
}

/// Whether a string of `len` bytes may be kept as a value; noted when it may not.
pub fn fits(len: usize) -> bool {
    if len > MAX_VALUE_BYTES {
        TOO_LONG.set(true);
        return false;
    }
    true
}

/// What [`finish`] found.
#[derive(Debug, PartialEq, Eq)]
pub struct Hit {
    /// One warning's message.
    pub message: String,
    /// Evaluation or inclusion was cut short: what the definition declares after that
    /// point (code folders, functions) may be missing, so it cannot be vouched for.
    pub cut_short: bool,
}

/// What was hit since [`start`].
pub fn finish() -> Option<Hit> {
    let cut_short = TOO_MANY.get() || TOO_WIDE.get() || TOO_MUCH_READ.get();
    let mut hit = Vec::new();
    if TOO_LONG.get() {
        hit.push(format!(
            "a value grew past {MAX_VALUE_BYTES} bytes (a value built from itself over and over)"
        ));
    }
    if TOO_MANY.get() {
        hit.push(format!(
            "evaluating its values took more than {MAX_STEPS} steps (values that refer to each other over and over)"
        ));
    }
    if TOO_MUCH_READ.get() {
        hit.push(format!(
            "its values read more than {} MiB of files (a file named over and over)",
            MAX_READ_BYTES >> 20
        ));
    }
    let mut message = (!hit.is_empty()).then(|| format!("{}: replaced by *", hit.join("; ")));
    if TOO_WIDE.get() {
        let wide = format!("it includes more than {MAX_INCLUDED} nested stacks or modules: the rest are not read");
        message = Some(match message {
            Some(m) => format!("{m}; {wide}"),
            None => wide,
        });
    }
    start();
    message.map(|message| Hit { message, cut_short })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_value_and_a_spent_budget_are_said_once() {
        start();
        assert!(fits(MAX_VALUE_BYTES));
        assert_eq!(finish(), None);
        assert!(!fits(MAX_VALUE_BYTES + 1));
        for _ in 0..MAX_STEPS {
            assert!(step());
        }
        assert!(!step());
        assert_eq!(
            finish().unwrap().message,
            "a value grew past 65536 bytes (a value built from itself over and over); evaluating its values took more than 1000000 steps (values that refer to each other over and over): replaced by *"
        );
        assert_eq!(finish(), None);
    }
}
