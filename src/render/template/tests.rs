#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::*;

#[test]
fn every_built_in_template_parses() {
    for json in BUILT_IN.iter().chain([&GENERIC]) {
        if let Err(e) = Template::from_json(json) {
            panic!("{e}");
        }
    }
    assert_eq!(Template::built_in().len(), BUILT_IN.len());
}
