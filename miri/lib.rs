//! `src/scheduler/alloc.rs`, the module holding chunkwise's one `unsafe` block, built alone for
//! Miri (see `Cargo.toml` beside this file). Its own unit tests are the ones run.
#![allow(dead_code)]

#[path = "../src/scheduler/alloc.rs"]
mod alloc;
