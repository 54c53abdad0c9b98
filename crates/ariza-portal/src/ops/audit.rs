//! The portal's audit trail: hash-chained like the desk's (`ariza_core::audit`), appended in
//! the transaction of the change it records (`db::audit::append`); desks' trails are stored per
//! device as they arrive. `ariza-portal audit verify` recomputes both.

use ariza_core::audit::{
    AuditAction, AuditEntry, AuditLine, AuditReport, ChainVerifier, GENESIS, head_signing_input,
    rechain,
};
use ariza_core::error::PortalCode;
use ariza_core::wire::{AuditHead, AuditRefusal};
use ed25519_dalek::Signature;
use uuid::Uuid;

use crate::ops::devices::Device;
use crate::{Portal, PortalError, db};

/// A desk's audit entries as a push carries them, in either format.
pub struct DeskChain<'a> {
    /// The entry the first line follows, and its hash as the desk holds it.
    pub after_seq: i64,
    pub after_hash: &'a str,
    pub lines: Vec<AuditLine>,
    /// Format 2: the desk's newest entry (the upload may stop before it) and its signature
    /// over the head of the lines. Format 1 had neither.
    pub newest_seq: Option<i64>,
    pub head_signature: Option<&'a str>,
    /// Format 1: the hashes the desk sent with each entry, which must be the recomputed ones.
    pub claimed: Option<&'a [AuditEntry]>,
}

impl<'a> DeskChain<'a> {
    /// A format 1 batch's entries (each with its hashes).
    pub fn legacy(entries: &'a [AuditEntry]) -> Option<DeskChain<'a>> {
        let first = entries.first()?;
        Some(DeskChain {
            after_seq: first.seq - 1,
            after_hash: &first.prev_hash,
            lines: entries.iter().map(AuditLine::from).collect(),
            newest_seq: None,
            head_signature: None,
            claimed: Some(entries),
        })
    }
}

/// What became of a push's audit entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainOutcome {
    /// Stored (again harmlessly); the head now acknowledged.
    Stored(AuditHead),
    Refused(AuditRefusal),
}

fn is_sha256(h: &str) -> bool {
    h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Receives a desk's audit entries: recomputes their hashes (`ariza_core::audit::entry_hash`,
/// the desk's own function) from the head the portal acknowledged, checks that the chain
/// still passes through that head and ends no earlier, and that the device signed the head
/// it ends at; stores what is new and acknowledges the head. A chain that was cut or
/// rewritten below the acknowledged head is refused, stored nowhere, and recorded as an
/// alert (once per situation) in `desk_audit_alert` and the portal's own trail.
pub async fn receive_desk_chain(
    portal: &Portal,
    device: &Device,
    chain: &DeskChain<'_>,
) -> Result<ChainOutcome, PortalError> {
    if chain.after_seq < 0 || !is_sha256(chain.after_hash) {
        return Err(PortalError::BadRequest("malformed audit upload".into()));
    }
    let after_hash = chain.after_hash.to_ascii_lowercase();
    let entries = rechain(chain.after_seq, &after_hash, &chain.lines);
    let (head_seq, head_hash) = entries
        .last()
        .map_or((chain.after_seq, after_hash.clone()), |e| {
            (e.seq, e.hash.clone())
        });
    if chain.newest_seq.is_some_and(|n| n < head_seq) {
        return Err(PortalError::BadRequest(
            "newest_seq is before the last entry sent".into(),
        ));
    }
    if let Some(claimed) = chain.claimed {
        let malformed = claimed
            .iter()
            .zip(&entries)
            .any(|(c, e)| c.seq != e.seq || !is_sha256(&c.hash) || !is_sha256(&c.prev_hash));
        if malformed {
            return Err(PortalError::BadRequest("malformed audit entry".into()));
        }
    }
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    let acked = db::audit::desk_head(&tx, device.id).await?;
    let mut refusal = None;
    if let Some((acked_seq, _)) = &acked {
        let acked_seq = *acked_seq;
        // The portal's stored links from the desk's starting point to where the upload and
        // the stored chain overlap.
        let stored = db::audit::desk_links(
            &tx,
            device.id,
            chain.after_seq,
            acked_seq.min(head_seq).max(chain.after_seq) + 1,
        )
        .await?;
        let passes_through = stored.iter().any(|(seq, prev, hash)| {
            (*seq == chain.after_seq && *hash == after_hash)
                || (*seq == chain.after_seq + 1 && *prev == after_hash)
        });
        let rewritten = entries.iter().any(|e| {
            stored
                .iter()
                .any(|(seq, _, hash)| *seq == e.seq && *hash != e.hash)
        });
        refusal = if chain.after_seq > acked_seq {
            Some("gap")
        } else if !passes_through || rewritten {
            Some("diverged")
        } else if chain.newest_seq.is_some_and(|n| n < acked_seq) {
            Some("shorter")
        } else {
            None
        };
    }
    let claimed_differs = chain.claimed.is_some_and(|claimed| {
        claimed.iter().zip(&entries).any(|(c, e)| {
            !c.hash.eq_ignore_ascii_case(&e.hash) || !c.prev_hash.eq_ignore_ascii_case(&e.prev_hash)
        })
    });
    let signed = match chain.head_signature {
        None => true,
        Some(sig) => hex::decode(sig)
            .ok()
            .and_then(|b| <[u8; 64]>::try_from(b).ok())
            .is_some_and(|b| {
                device
                    .key
                    .verify_strict(
                        &head_signing_input(&device.id.to_string(), head_seq, &head_hash),
                        &Signature::from_bytes(&b),
                    )
                    .is_ok()
            }),
    };
    if refusal.is_none() && claimed_differs {
        refusal = Some("diverged");
    }
    if refusal.is_none() && !signed {
        refusal = Some("signature");
    }
    let acknowledged = acked.map(|(seq, hash)| AuditHead { seq, hash });
    if let Some(reason) = refusal {
        let acked_seq = acknowledged.as_ref().map_or(0, |h| h.seq);
        let desk_seq = chain.newest_seq.unwrap_or(head_seq);
        if db::audit::record_desk_alert(&tx, device.id, reason, acked_seq, desk_seq).await? {
            db::audit::append(
                &tx,
                "portal",
                AuditAction::AuditDiverged.as_str(),
                &device.id.to_string(),
                &format!("reason={reason} acknowledged={acked_seq} desk={desk_seq}"),
            )
            .await?;
        }
        tx.commit().await?;
        tracing::warn!(device = %device.id, reason, "desk audit chain refused");
        return Ok(ChainOutcome::Refused(AuditRefusal {
            code: PortalCode::AuditChainBroken,
            reason: reason.to_string(),
            acknowledged,
        }));
    }
    let stored_to = acknowledged.as_ref().map_or(0, |h| h.seq);
    let new_entries: Vec<AuditEntry> = entries.into_iter().filter(|e| e.seq > stored_to).collect();
    db::audit::insert_desk_entries(&tx, device.id, &new_entries).await?;
    // An upload that stops short of the stored head (a resend after a lost answer, limited
    // to fewer entries) leaves the stored head and its signature as they are.
    if head_seq >= stored_to {
        db::audit::save_desk_head(&tx, device.id, head_seq, &head_hash, chain.head_signature)
            .await?;
    }
    tx.commit().await?;
    Ok(ChainOutcome::Stored(AuditHead {
        seq: head_seq,
        hash: head_hash,
    }))
}

/// Records an operation done outside any other transaction (a bulk load, say) in the chain.
pub async fn record(
    portal: &Portal,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> Result<(), PortalError> {
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    db::audit::append(&tx, actor, action, subject, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// The result of `ariza-portal audit verify`: the portal's chain and every desk's.
#[derive(Debug)]
pub struct VerifyReport {
    pub portal: AuditReport,
    pub desks: Vec<(Uuid, AuditReport)>,
}

impl VerifyReport {
    pub fn ok(&self) -> bool {
        self.portal.ok() && self.desks.iter().all(|(_, r)| r.ok())
    }
}

pub async fn verify(portal: &Portal) -> Result<VerifyReport, PortalError> {
    let client = portal.pool.get().await?;
    let mut verifier = ChainVerifier::new(GENESIS, Some(0));
    db::audit::each_portal_entry(&client, |e| verifier.push(e)).await?;
    let portal_report = verifier.report();
    let mut desks = Vec::new();
    for device in db::audit::desk_devices(&client).await? {
        let mut v = ChainVerifier::new(GENESIS, Some(0));
        db::audit::each_desk_entry(&client, device, |e| v.push(e)).await?;
        desks.push((device, v.report()));
    }
    Ok(VerifyReport {
        portal: portal_report,
        desks,
    })
}
