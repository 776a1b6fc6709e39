//! Arbitrary bytes never panic the miniSEED decoder, the indexer or the wf
//! document parser, and what the decoder allocates stays bounded by the input
//! size. Small case budget so it runs in every `cargo test` (CI); raise
//! `PROPTEST_CASES` for a longer hunt.

use mspass_core::io::member::parse_member;
use mspass_core::mseed::{decode_pieces, decode_segment, index_bytes, MergeOptions};
use proptest::prelude::*;

fn fixtures() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test/fixtures/miniseed")
}

fn seeds() -> Vec<Vec<u8>> {
    [
        "steim2.mseed",
        "test.mseed",
        "encoding/float64_Float64_littleEndian.mseed",
        "gaps.mseed",
        "two_channels.mseed",
    ]
    .iter()
    .map(|f| std::fs::read(fixtures().join(f)).unwrap())
    .collect()
}

fn check_decoder(bytes: &[u8]) {
    if let Ok(pieces) = decode_pieces(bytes, 0, true) {
        let n: usize = pieces.iter().map(|p| p.samples.len()).sum();
        // Steim2 packs at most 7 samples in 4 bytes: never more than 2 per input byte.
        assert!(
            n <= 2 * bytes.len() + 8,
            "{n} samples from {} bytes",
            bytes.len()
        );
    }
    let _ = decode_segment(bytes, 0, &MergeOptions::default());
    let idx = index_bytes(bytes, true);
    for s in idx.segments {
        assert!(s.foff + s.nbytes <= bytes.len() as u64);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        check_decoder(&bytes);
    }

    /// Real records with bytes flipped: reaches deep into header and Steim parsing.
    #[test]
    fn mutated_records_never_panic(which in 0usize..5, flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..24), cut in any::<usize>()) {
        let mut bytes = seeds()[which].clone();
        for (at, v) in flips {
            let i = at % bytes.len();
            bytes[i] ^= v;
        }
        let keep = bytes.len() - cut % (bytes.len() / 2 + 1);
        bytes.truncate(keep);
        check_decoder(&bytes);
    }

    #[test]
    fn arbitrary_documents_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), ncomp in 1usize..4) {
        if let Ok(doc) = bson::raw::RawDocument::from_bytes(&bytes) {
            let _ = parse_member(doc, ncomp);
        }
    }

    /// Well-formed BSON with random field values of random types.
    #[test]
    fn random_wf_documents_never_panic(
        npts in prop_oneof![Just(bson::Bson::Null), any::<i64>().prop_map(bson::Bson::Int64), any::<f64>().prop_map(bson::Bson::Double), ".*".prop_map(bson::Bson::String)],
        nbytes in prop_oneof![Just(bson::Bson::Null), any::<i64>().prop_map(bson::Bson::Int64), any::<f64>().prop_map(bson::Bson::Double)],
        foff in prop_oneof![Just(bson::Bson::Null), any::<i64>().prop_map(bson::Bson::Int64), any::<f64>().prop_map(bson::Bson::Double)],
        mode in prop_oneof![Just("file"), Just("gridfs"), Just("s3"), Just("")],
        format in prop_oneof![Just("mseed"), Just("binary"), Just("sac")],
    ) {
        let d = bson::doc! {"npts": npts, "nbytes": nbytes, "foff": foff, "storage_mode": mode, "format": format, "dir": "/tmp", "dfile": "x"};
        let raw = bson::RawDocumentBuf::from_document(&d).unwrap();
        let _ = parse_member(&raw, 1);
    }
}
