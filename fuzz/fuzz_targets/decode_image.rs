//! Arbitrary bytes through the whole decode pipeline, as an upload reaches it: format sniffing,
//! header limits, pixel decoding, EXIF orientation, the fast path and the full search. Any panic
//! or hang is a finding; errors are the expected answer to garbage.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use qrsmith_core::{decode, DecodeOptions, Limits};

fuzz_target!(|data: &[u8]| {
    let opts = DecodeOptions {
        limits: Limits {
            max_bytes: 1 << 20,
            // Small enough that a claimed 16k x 16k image is refused from its header, large
            // enough for real codes; the libFuzzer RSS limit would flag an allocation past it.
            max_pixels: 4_000_000,
            max_time: Some(Duration::from_secs(2)),
        },
        ..DecodeOptions::default()
    };
    if let Ok(found) = decode(data, &opts) {
        for symbol in &found.symbols {
            for corner in symbol.corners {
                assert!(corner.x.is_finite() && corner.y.is_finite(), "{symbol:?}");
            }
        }
        for sequence in &found.sequences {
            assert_eq!(
                sequence.found.len() + sequence.missing.len(),
                usize::from(sequence.count)
            );
        }
    }
});
