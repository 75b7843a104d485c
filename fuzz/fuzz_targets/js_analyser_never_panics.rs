//! Fuzz target: the JavaScript/TypeScript analyser returns facts (never panics, never
//! overflows the stack) for any text given as a handler module; the first byte picks
//! the grammar.
#![no_main]

use leastpriv::catalog::Catalog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let source = String::from_utf8_lossy(rest);
    let _ = leastpriv::sources::javascript::analyze_source(&source, pick & 1 == 1, Catalog::embedded());
});
