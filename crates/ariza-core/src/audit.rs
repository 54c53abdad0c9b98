//! The audit trail: who did what, when, to which record — hash-chained so that editing,
//! inserting or deleting an entry breaks the chain and is found by `verify_chain`.
//!
//! Each entry's hash covers the previous entry's hash and every field of its own, in a fixed
//! text encoding. The desk and the portal use this one function, so a desk's chain delivered to
//! the portal verifies there too. Entries name records by id, never by a person's name, PINFL
//! or document number.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditEntry {
    #[schema(minimum = 1)]
    pub seq: i64,
    pub at: DateTime<Utc>,
    /// The acting staff member's username, or `device` / `portal` for the machine itself.
    pub actor: String,
    /// What was done, e.g. `application.file`, `citizen.open`, `staff.add`.
    pub action: String,
    /// The record's id (application UUID, citizen id, username).
    pub subject: String,
    /// Non-personal detail: a status, a reason key, a count.
    pub detail: String,
    /// SHA-256, 64 hex digits (the portal refuses a batch with any other).
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub prev_hash: String,
    #[schema(pattern = "^[0-9a-fA-F]{64}$")]
    pub hash: String,
}

/// What an audit entry records: the one list of actions the desk and the portal write. An
/// entry read back (or received from a desk) keeps its action as text, since the chain's hash
/// covers the text and a newer desk may know actions this build does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuditAction {
    /// The desk was set up for its center.
    CenterSetup,
    /// A staff member was added (`detail`: the role).
    StaffAdd,
    StaffSignIn,
    /// A wrong password (`detail`: failures in a row).
    StaffSignInFailed,
    StaffPassword,
    StaffDeactivate,
    /// A staff account arrived from the portal's feed (`detail`: the role).
    StaffSync,
    CitizenRegister,
    /// A citizen's record was opened (read).
    CitizenOpen,
    /// A supervisor merged two records of one person (`subject`: the survivor; `detail`: the
    /// merged record's id and how many applications moved). Recorded by the portal too.
    CitizenMerge,
    ApplicationFile,
    /// An application was opened (read).
    ApplicationOpen,
    ApplicationCancel,
    /// Corrected: cancelled and filed anew (`detail`: the new id).
    ApplicationCorrect,
    /// The portal's decision reached the desk (`detail`: the status).
    ApplicationDecision,
    ApplicationHandedOver,
    /// A supervisor sent a set-aside application again.
    ApplicationRetry,
    ApplicationReassign,
    ApplicationSendBack,
    ApplicationSentBackDone,
    DraftDiscard,
    DashboardExport,
    SettingsChange,
    BackupCreate,
    BackupRestore,
    /// The desk's database was re-encrypted under a new key (`subject`: who was removed,
    /// when a removal asked for it).
    DatabaseRekey,
    /// A recovery key was registered; every backup is also wrapped to it (`subject`: its
    /// public recipient).
    RecoveryKeySet,
    /// A desk enrolled with the portal (recorded on both sides).
    DeviceEnroll,
    /// A push was answered (`detail`: the counts).
    SyncPush,
    /// Portal: an operator added a center.
    CenterAdd,
    /// Portal: a catalog version was published.
    CatalogPublish,
    /// Portal: an operator created or changed a desk staff account.
    StaffSet,
    /// Portal: a portal user (operator or agency officer) was added.
    UserAdd,
    /// Portal: a desk's credential was revoked.
    DeviceRevoke,
    /// Portal: an agency officer decided an application.
    ApplicationDecide,
    /// Portal: a desk's push was stored.
    ApplicationsReceive,
    /// Portal: the demonstration data was loaded.
    DemoLoad,
    /// A desk's trail no longer extends the head the portal acknowledged (`detail`: why);
    /// recorded by the desk that finds it and by the portal that refuses it.
    AuditDiverged,
    /// A scan was attached to an application (`detail`: the document and the SHA-256).
    DocumentAttach,
    /// A supervisor set whether a service's applications may be filed with documents to
    /// follow (`detail`: the service and the rule).
    ServiceRuleSet,
    /// Portal: a document's upload was complete and its SHA-256 matched (`detail`: it).
    DocumentReceive,
    /// A USB bundle was written (`detail`: what it holds, in counts).
    BundleExport,
    /// A USB bundle was read and applied (`detail`: what it held, in counts).
    BundleImport,
    /// An administrator installed a desk release (`subject`: its version; `detail`: from the
    /// portal or from a file).
    DeskUpdate,
    /// Portal: a desk release was published (`subject`: version/architecture; `detail`: its
    /// SHA-256).
    ReleasePublish,
}

impl AuditAction {
    pub const ALL: [AuditAction; 45] = [
        AuditAction::CenterSetup,
        AuditAction::StaffAdd,
        AuditAction::StaffSignIn,
        AuditAction::StaffSignInFailed,
        AuditAction::StaffPassword,
        AuditAction::StaffDeactivate,
        AuditAction::StaffSync,
        AuditAction::CitizenRegister,
        AuditAction::CitizenOpen,
        AuditAction::CitizenMerge,
        AuditAction::ApplicationFile,
        AuditAction::ApplicationOpen,
        AuditAction::ApplicationCancel,
        AuditAction::ApplicationCorrect,
        AuditAction::ApplicationDecision,
        AuditAction::ApplicationHandedOver,
        AuditAction::ApplicationRetry,
        AuditAction::ApplicationReassign,
        AuditAction::ApplicationSendBack,
        AuditAction::ApplicationSentBackDone,
        AuditAction::DraftDiscard,
        AuditAction::DashboardExport,
        AuditAction::SettingsChange,
        AuditAction::BackupCreate,
        AuditAction::BackupRestore,
        AuditAction::DatabaseRekey,
        AuditAction::RecoveryKeySet,
        AuditAction::DeviceEnroll,
        AuditAction::SyncPush,
        AuditAction::CenterAdd,
        AuditAction::CatalogPublish,
        AuditAction::StaffSet,
        AuditAction::UserAdd,
        AuditAction::DeviceRevoke,
        AuditAction::ApplicationDecide,
        AuditAction::ApplicationsReceive,
        AuditAction::DemoLoad,
        AuditAction::AuditDiverged,
        AuditAction::DocumentAttach,
        AuditAction::ServiceRuleSet,
        AuditAction::DocumentReceive,
        AuditAction::BundleExport,
        AuditAction::BundleImport,
        AuditAction::DeskUpdate,
        AuditAction::ReleasePublish,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::CenterSetup => "center.setup",
            AuditAction::StaffAdd => "staff.add",
            AuditAction::StaffSignIn => "staff.sign_in",
            AuditAction::StaffSignInFailed => "staff.sign_in_failed",
            AuditAction::StaffPassword => "staff.password",
            AuditAction::StaffDeactivate => "staff.deactivate",
            AuditAction::StaffSync => "staff.sync",
            AuditAction::CitizenRegister => "citizen.register",
            AuditAction::CitizenOpen => "citizen.open",
            AuditAction::CitizenMerge => "citizen.merge",
            AuditAction::ApplicationFile => "application.file",
            AuditAction::ApplicationOpen => "application.open",
            AuditAction::ApplicationCancel => "application.cancel",
            AuditAction::ApplicationCorrect => "application.correct",
            AuditAction::ApplicationDecision => "application.decision",
            AuditAction::ApplicationHandedOver => "application.handed_over",
            AuditAction::ApplicationRetry => "application.retry",
            AuditAction::ApplicationReassign => "application.reassign",
            AuditAction::ApplicationSendBack => "application.send_back",
            AuditAction::ApplicationSentBackDone => "application.sent_back_done",
            AuditAction::DraftDiscard => "draft.discard",
            AuditAction::DashboardExport => "dashboard.export",
            AuditAction::SettingsChange => "settings.change",
            AuditAction::BackupCreate => "backup.create",
            AuditAction::BackupRestore => "backup.restore",
            AuditAction::DatabaseRekey => "database.rekey",
            AuditAction::RecoveryKeySet => "recovery_key.set",
            AuditAction::DeviceEnroll => "device.enroll",
            AuditAction::SyncPush => "sync.push",
            AuditAction::CenterAdd => "center.add",
            AuditAction::CatalogPublish => "catalog.publish",
            AuditAction::StaffSet => "staff.set",
            AuditAction::UserAdd => "user.add",
            AuditAction::DeviceRevoke => "device.revoke",
            AuditAction::ApplicationDecide => "application.decide",
            AuditAction::ApplicationsReceive => "applications.receive",
            AuditAction::DemoLoad => "demo.load",
            AuditAction::AuditDiverged => "audit.diverged",
            AuditAction::DocumentAttach => "document.attach",
            AuditAction::ServiceRuleSet => "service_rule.set",
            AuditAction::DocumentReceive => "document.receive",
            AuditAction::BundleExport => "bundle.export",
            AuditAction::BundleImport => "bundle.import",
            AuditAction::DeskUpdate => "desk.update",
            AuditAction::ReleasePublish => "release.publish",
        }
    }

    pub fn parse(s: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == s)
    }
}

impl std::fmt::Display for AuditAction {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The hash of an entry from its fields and the previous entry's hash.
pub fn entry_hash(
    prev_hash: &str,
    seq: i64,
    at: &DateTime<Utc>,
    actor: &str,
    action: &str,
    subject: &str,
    detail: &str,
) -> String {
    let mut h = Sha256::new();
    // Length-prefixed fields: no two different entries share an encoding.
    for field in [
        prev_hash,
        &seq.to_string(),
        &at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        actor,
        action,
        subject,
        detail,
    ] {
        h.update((field.len() as u64).to_le_bytes());
        h.update(field.as_bytes());
    }
    hex::encode(h.finalize())
}

impl AuditEntry {
    pub fn computed_hash(&self) -> String {
        entry_hash(
            &self.prev_hash,
            self.seq,
            &self.at,
            &self.actor,
            &self.action,
            &self.subject,
            &self.detail,
        )
    }
}

/// An audit entry as format 2 of a push carries it: only what the portal cannot derive. Its
/// `seq` follows from its place in the upload, its `prev_hash` and `hash` are recomputed by
/// the portal with [`entry_hash`], the one function both sides use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AuditLine {
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub detail: String,
}

impl From<&AuditEntry> for AuditLine {
    fn from(e: &AuditEntry) -> AuditLine {
        AuditLine {
            at: e.at,
            actor: e.actor.clone(),
            action: e.action.clone(),
            subject: e.subject.clone(),
            detail: e.detail.clone(),
        }
    }
}

/// Rebuilds the chained entries of an upload: `lines` follow the entry `after_seq` whose hash
/// is `after_hash` (0 and [`GENESIS`] at the start of a chain).
pub fn rechain(after_seq: i64, after_hash: &str, lines: &[AuditLine]) -> Vec<AuditEntry> {
    let mut prev = after_hash.to_string();
    let mut out = Vec::with_capacity(lines.len());
    for (seq, l) in (after_seq + 1..).zip(lines) {
        let hash = entry_hash(
            &prev, seq, &l.at, &l.actor, &l.action, &l.subject, &l.detail,
        );
        out.push(AuditEntry {
            seq,
            at: l.at,
            actor: l.actor.clone(),
            action: l.action.clone(),
            subject: l.subject.clone(),
            detail: l.detail.clone(),
            prev_hash: std::mem::replace(&mut prev, hash.clone()),
            hash,
        });
    }
    out
}

/// The bytes a device signs for the head of the audit entries it sends (one signature per
/// push, with the key that signs its requests): the device, the last entry's number and its
/// hash. The portal verifies it against the chain it recomputed, so a head the device
/// signed is one the portal can hold it to.
pub fn head_signing_input(device_id: &str, seq: i64, hash: &str) -> Vec<u8> {
    format!("ariza-audit-head-v1\n{device_id}\n{seq}\n{hash}").into_bytes()
}

/// The outcome of checking a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct AuditReport {
    #[ts(type = "number")]
    pub entries: i64,
    /// The first entry where the chain breaks, if any.
    #[ts(type = "number | null")]
    pub broken_at: Option<i64>,
    /// Why: `hash` (an entry was edited), `link` (an entry was removed or inserted),
    /// `sequence` (numbers skip or repeat).
    pub reason: Option<String>,
    pub head: String,
}

impl AuditReport {
    pub fn ok(&self) -> bool {
        self.broken_at.is_none()
    }
}

/// Checks entries in order, starting from `prev` (the genesis hash, or the head already
/// verified). Stops at the first break.
pub struct ChainVerifier {
    prev_hash: String,
    prev_seq: Option<i64>,
    entries: i64,
    broken: Option<(i64, &'static str)>,
}

impl ChainVerifier {
    pub fn new(prev_hash: &str, prev_seq: Option<i64>) -> ChainVerifier {
        ChainVerifier {
            prev_hash: prev_hash.to_string(),
            prev_seq,
            entries: 0,
            broken: None,
        }
    }

    pub fn push(&mut self, e: &AuditEntry) {
        if self.broken.is_some() {
            return;
        }
        self.entries += 1;
        let expected_seq = self.prev_seq.map_or(e.seq, |s| s + 1);
        let reason = if e.seq != expected_seq {
            Some("sequence")
        } else if e.prev_hash != self.prev_hash {
            Some("link")
        } else if e.computed_hash() != e.hash {
            Some("hash")
        } else {
            None
        };
        if let Some(r) = reason {
            self.broken = Some((e.seq, r));
            return;
        }
        self.prev_hash = e.hash.clone();
        self.prev_seq = Some(e.seq);
    }

    pub fn report(self) -> AuditReport {
        AuditReport {
            entries: self.entries,
            broken_at: self.broken.map(|(s, _)| s),
            reason: self.broken.map(|(_, r)| r.to_string()),
            head: self.prev_hash,
        }
    }
}

/// Verifies a whole chain from the genesis hash.
pub fn verify_chain(entries: &[AuditEntry]) -> AuditReport {
    let mut v = ChainVerifier::new(GENESIS, None);
    for e in entries {
        v.push(e);
    }
    v.report()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_actions_are_distinct_and_read_back() {
        let mut seen = std::collections::BTreeSet::new();
        for a in AuditAction::ALL {
            assert!(seen.insert(a.as_str()), "{a:?} written twice");
            assert_eq!(AuditAction::parse(a.as_str()), Some(a));
            // `subject.verb`: what the portal's and the desk's reports group by.
            assert!(a.as_str().split_once('.').is_some(), "{a:?}");
        }
        assert_eq!(AuditAction::parse("application.made_up"), None);
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut prev = GENESIS.to_string();
        let at = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        (1..=n)
            .map(|seq| {
                let hash = entry_hash(&prev, seq, &at, "admin", "application.file", "x", "");
                let e = AuditEntry {
                    seq,
                    at,
                    actor: "admin".into(),
                    action: "application.file".into(),
                    subject: "x".into(),
                    detail: String::new(),
                    prev_hash: prev.clone(),
                    hash: hash.clone(),
                };
                prev = hash;
                e
            })
            .collect()
    }

    #[test]
    fn intact_chain_verifies() {
        let r = verify_chain(&chain(5));
        assert!(r.ok());
        assert_eq!(r.entries, 5);
    }

    #[test]
    fn edited_entry_is_found() {
        let mut c = chain(5);
        c[2].detail = "changed".into();
        let r = verify_chain(&c);
        assert_eq!((r.broken_at, r.reason.as_deref()), (Some(3), Some("hash")));
    }

    #[test]
    fn deleted_entry_is_found() {
        let mut c = chain(5);
        c.remove(1);
        let r = verify_chain(&c);
        assert_eq!(r.broken_at, Some(3));
    }

    #[test]
    fn an_upload_rechains_to_the_same_hashes() {
        let c = chain(5);
        let lines: Vec<AuditLine> = c[2..].iter().map(AuditLine::from).collect();
        assert_eq!(rechain(2, &c[1].hash, &lines), c[2..].to_vec());
        assert_eq!(
            rechain(
                0,
                GENESIS,
                &c.iter().map(AuditLine::from).collect::<Vec<_>>()
            ),
            c
        );
        // Another starting point gives other hashes: the chain is anchored.
        assert_ne!(rechain(2, GENESIS, &lines)[0].hash, c[2].hash);
    }

    #[test]
    fn rehashed_edit_is_found_at_the_next_link() {
        // Editing an entry and recomputing its own hash still breaks the next entry's link.
        let mut c = chain(4);
        c[1].actor = "someone".into();
        c[1].hash = c[1].computed_hash();
        let r = verify_chain(&c);
        assert_eq!((r.broken_at, r.reason.as_deref()), (Some(3), Some("link")));
    }
}
