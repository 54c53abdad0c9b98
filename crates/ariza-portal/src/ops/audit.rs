//! The portal's audit trail: hash-chained like the desk's (`ariza_core::audit`), appended in
//! the transaction of the change it records (`db::audit::append`); desks' trails are stored per
//! device as they arrive. `ariza-portal audit verify` recomputes both.

use ariza_core::audit::{AuditEntry, AuditReport, ChainVerifier, GENESIS};
use uuid::Uuid;

use crate::{Portal, PortalError, db};

/// Stores a desk's entries as delivered (again harmlessly); returns the highest seq stored.
pub async fn store_desk_entries(
    portal: &Portal,
    device: Uuid,
    entries: &[AuditEntry],
) -> Result<Option<i64>, PortalError> {
    if entries.is_empty() {
        return Ok(None);
    }
    let is_sha256 = |h: &str| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit());
    if entries
        .iter()
        .any(|e| e.seq < 1 || !is_sha256(&e.hash) || !is_sha256(&e.prev_hash))
    {
        return Err(PortalError::BadRequest("malformed audit entry".into()));
    }
    let mut client = portal.pool.get().await?;
    let tx = client.transaction().await?;
    for e in entries {
        db::audit::insert_desk_entry(&tx, device, e).await?;
    }
    tx.commit().await?;
    Ok(entries.iter().map(|e| e.seq).max())
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
