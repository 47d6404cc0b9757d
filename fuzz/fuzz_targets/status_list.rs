//! Fuzz target `status_list`: bytes as a Status List Token, through the
//! strict reader (`SignedStatusList::from_slice`) and the lenient one
//! (`ForeignStatusList::from_slice`), then a few lookups. The seed corpus
//! (`fuzz/corpus/status_list/`, committed by hand) holds a 2^17-entry token
//! of ours made by `examples/status_list.rs`, the draft's CWT example, and
//! broken variants (truncated, trailing byte, bad signature, a zlib bomb in
//! `lst`, bytes after the zlib stream, 1 bit, `kid` unprotected, a licence,
//! a seal record). `tests/fuzz_corpus.rs` replays the corpus.

#![no_main]

use elicence::UnixTime;
use elicence::status::{
    ForeignStatusList, MAX_STATUS_TOKEN_LEN, MIN_LIST_ENTRIES, SignedStatusList, StatusList,
    StatusListError,
};

fn lookups(list: &StatusList) {
    let len = list.len();
    for index in [0, 1, len / 2, len.saturating_sub(1)] {
        if index < len {
            assert!(list.get(index).is_ok());
            let _ = list.status(index);
        }
    }
    assert!(matches!(
        list.get(len),
        Err(StatusListError::IndexOutOfRange { .. })
    ));
}

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match SignedStatusList::from_slice(data) {
        Ok(token) => {
            assert_eq!(token.as_bytes(), data);
            assert_eq!(token.list().bits(), 4);
            assert!(token.list().len() >= MIN_LIST_ENTRIES);
            assert!(token.ttl_secs() > 0);
            lookups(token.list());
            let signer = token.signer_chain().first().expect("a chain");
            let _ = token.verify_signature(signer.public_key());
            let _ = token.freshness_at(UnixTime::from_secs(0));
            // What the strict reader takes, the lenient one takes alike.
            let foreign = ForeignStatusList::from_slice(data).expect("strict ⊂ foreign");
            assert_eq!(foreign.list(), token.list());
            assert_eq!(foreign.subject(), token.subject());
        }
        Err(e) => {
            assert!(!e.code().is_empty() && !e.to_string().is_empty());
            if let StatusListError::TooLarge { len, max } = e {
                assert!(len == data.len() && len > max && max == MAX_STATUS_TOKEN_LEN);
            }
        }
    }
    match ForeignStatusList::from_slice(data) {
        Ok(token) => lookups(token.list()),
        Err(e) => assert!(!e.code().is_empty()),
    }
});
