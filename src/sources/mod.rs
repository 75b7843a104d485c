//! Inputs: function discovery, function code (analysed into SDK calls), templates.

pub mod cloudtrail;
pub mod config;
pub mod contained;
pub mod current;
pub mod discover;
pub mod git_tree;
pub mod javascript;
pub mod limits;
pub mod plausible;
pub mod python;
pub mod sdk_call;
pub mod source_file;
pub mod template;
pub mod walk;

pub use sdk_call::{CodeFacts, Element, Entry, Hint, Hop, Language, Piece, SdkCall, Via};
