//! The front-end on any bytes: native syntax, or JSON syntax when the input starts like a JSON
//! object (see `common.rs` for what is run and checked).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let name = if source.trim_start().starts_with('{') {
        "fuzz.tf.json"
    } else {
        "fuzz.tf"
    };
    common::run(name, &source);
});
