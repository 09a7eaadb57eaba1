//! Terraform's JSON syntax on its own: the first byte picks a `.tf.json` configuration (even) or
//! a `.tfvars.json` variables file (odd), the rest is the file; through the span-keeping JSON
//! parser, the translation to native text and its span map (see `common.rs` for what is run and
//! checked).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let name = if selector & 1 == 0 {
        "fuzz.tf.json"
    } else {
        "fuzz.tfvars.json"
    };
    common::run(name, &String::from_utf8_lossy(rest));
});
