//! Whatever bytes arrive at the portal decode or fail cleanly; what decodes re-encodes and
//! decodes to the same value, and its content digest is stable.
#![no_main]

use ariza_core::wire::{ChangesResponse, EnrollRequest, PushBatch, PushBatchV2, PushResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(batch) = serde_json::from_slice::<PushBatch>(data) {
        let again: PushBatch = serde_json::from_slice(&serde_json::to_vec(&batch).unwrap()).unwrap();
        assert_eq!(again, batch);
        for app in &batch.applications {
            assert_eq!(app.content_digest(), app.content_digest());
        }
        let _ = ariza_core::audit::verify_chain(&batch.audit);
    }
    if let Ok(batch) = serde_json::from_slice::<PushBatchV2>(data) {
        let again: PushBatchV2 =
            serde_json::from_slice(&serde_json::to_vec(&batch).unwrap()).unwrap();
        assert_eq!(again, batch);
        if let (Ok(apps), Ok(lines)) = (
            batch.applications.into_rows(),
            batch.audit.entries.into_lines(),
        ) {
            let _ = ariza_core::audit::rechain(batch.audit.after_seq, &batch.audit.after_hash, &lines);
            let _ = apps.iter().map(|a| a.content_digest()).count();
        }
    }
    let _ = serde_json::from_slice::<PushResponse>(data);
    let _ = serde_json::from_slice::<ChangesResponse>(data);
    let _ = serde_json::from_slice::<EnrollRequest>(data);
});
