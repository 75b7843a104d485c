//! Fuzz target: the Python analyser returns facts (never panics, never overflows the
//! stack) for any text given as a handler module.
#![no_main]

use leastpriv::catalog::Catalog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let _ = leastpriv::sources::python::analyze_source(&source, Catalog::embedded());
});
