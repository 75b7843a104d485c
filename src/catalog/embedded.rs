//! The catalog files `build.rs` compiled into the binary.

include!(concat!(env!("OUT_DIR"), "/catalog_files.rs"));
