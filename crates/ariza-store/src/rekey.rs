//! Renewing the database key (a rekey), and the opening path that copes with an interrupted
//! one.
//!
//! A rekey re-encrypts every page under a new random key and wraps that key to every holder's
//! public recipient, so removing a person (or `ariza rekey`) leaves nothing an old copy of the
//! slots file and a password can open in today's database. The sequence is crash-safe:
//!
//! 1. `wal_checkpoint(TRUNCATE)`: the WAL is emptied, so no frame under the old key stays in
//!    it once the rekey has written every page anew.
//! 2. The slots file is rewritten listing, for every format-2 holder, the new key first and the
//!    old one after it (format-1 staff slots cannot be rewrapped and are dropped).
//! 3. `PRAGMA rekey`: SQLCipher rewrites every page in one write transaction. In WAL mode the
//!    pages go to the WAL and the commit is atomic (SQLCipher's own `rekey-*-wal` tests); the
//!    salt in the file's first bytes does not change, so either key finds it.
//! 4. A fresh connection checks which key opens the database (SQLCipher 4.5 answers a failed
//!    rekey with success); the rekey is recorded in the audit trail; `wal_checkpoint(TRUNCATE)`
//!    again writes the new pages into the database file, over every old one, and empties the
//!    WAL.
//! 5. The slots file is rewritten with the new key only.
//!
//! Opening tries the listed keys newest first, so a crash between any two steps leaves a
//! database that opens; the open that finds the newest key working finishes step 5.
//! A rekey is first requested in the database (`setting.rekey_pending`, in the same
//! transaction as the removal that needs it), so one interrupted after that commit is run
//! again at the next sign-in.

use ariza_core::audit::AuditAction;
use ariza_core::clock::Clock;
use ariza_core::staff::{Action, Actor};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use crate::keys::{DbKey, DeviceKeyStore, DeviceSecret, KeySlots, slots_path};
use crate::{Result, Store, StoreError};

const PENDING: &str = "rekey_pending";

/// Asks for a rekey, inside the transaction of the change that needs it.
pub(crate) fn request(tx: &Connection, subject: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO setting (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        rusqlite::params![PENDING, subject],
    )?;
    Ok(())
}

/// Folds the WAL into the database file and empties it; refused when another process keeps
/// a reader on it (nothing has changed then).
fn checkpoint_truncate(conn: &Connection) -> Result<bool> {
    let busy: i64 = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
    Ok(busy == 0)
}

/// Whether `key` opens the database at `path`, on a connection of its own.
fn opens(path: &std::path::Path, key: &DbKey) -> bool {
    Connection::open(path)
        .ok()
        .is_some_and(|conn| crate::apply_key(&conn, key).is_ok())
}

impl Store {
    /// Opens with the first of `keys` that opens the database (newest first). When that is a
    /// key every holder lists first, older copies left by a rekey are dropped from the slots
    /// file; an older key that opens means the rekey never happened, and the file is left for
    /// the next rekey to clean, never trimmed of a key a rekey in progress may still need.
    pub(crate) fn open_with_keys(path: &std::path::Path, keys: &[DbKey]) -> Result<Store> {
        for key in keys {
            match Store::open_keyed(path, Some(key.clone())) {
                Err(StoreError::Locked) => continue,
                Err(e) => return Err(e),
                Ok(store) => {
                    store.settle_slots(key)?;
                    return Ok(store);
                }
            }
        }
        Err(StoreError::Locked)
    }

    fn settle_slots(&self, opened: &DbKey) -> Result<()> {
        // Most opens find nothing to settle: the file is only read then, never rewritten.
        if !KeySlots::load(&slots_path(&self.path))?.has_other_keys(opened) {
            return Ok(());
        }
        self.edit_slots(|slots, _| {
            if slots.has_other_keys(opened) && slots.lists_first_everywhere(opened) {
                slots.settle(opened);
                tracing::info!("an interrupted rekey finished: old key copies dropped");
            }
            Ok(())
        })
    }

    /// After opening with the device's secret: a format-1 secret is replaced by an age
    /// identity (slot written first, then the secret, then the old slot dropped, so a crash
    /// leaves a secret that opens a slot), and a format-1 device slot left beside a format-2
    /// one is dropped.
    pub(crate) fn after_device_open(
        &self,
        device: &DeviceKeyStore,
        secret: &DeviceSecret,
    ) -> Result<()> {
        if secret.is_format_1() {
            let renewed = DeviceSecret::random();
            self.edit_slots(|slots, key| slots.put_device(key, &renewed))?;
            // Under the administrator's keyring rule the renewed secret goes to the keyring or
            // nowhere: never to a file.
            let kept = if self.keyring_rule()? {
                device.save_in_keyring(&renewed)
            } else {
                device.save(&renewed)?;
                true
            };
            if !kept {
                // The format-1 secret and slot stay in use; the next start tries again.
                tracing::warn!("device slot not upgraded: the required OS keyring refused it");
                return Ok(());
            }
            tracing::info!("device slot upgraded to format 2");
        }
        if KeySlots::load(&slots_path(&self.path))?.device_is_format_1() {
            self.edit_slots(|slots, _| {
                slots.drop_format_1_device();
                Ok(())
            })?;
        }
        Ok(())
    }

    /// `ariza rekey`: re-encrypts the database under a new random key and rewraps every slot
    /// (administrators). Old copies of the slots file open nothing of the database after it.
    pub fn rekey(&self, actor: &Actor, clock: &dyn Clock) -> Result<()> {
        actor.role.require(Action::ManageStaff)?;
        request(&self.conn(), "")?;
        self.rotate_key(&actor.username, "", clock.now())
    }

    /// Runs a rekey asked for by a change whose own rekey did not finish (a crash, a full
    /// disk); `by` is recorded as its actor. Failures are logged and the request kept.
    pub(crate) fn rekey_if_pending(&self, by: &str, at: DateTime<Utc>) {
        let pending: Option<String> = match self
            .conn()
            .query_row("SELECT value FROM setting WHERE key = ?1", [PENDING], |r| {
                r.get(0)
            })
            .optional()
        {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the rekey request");
                return;
            }
        };
        if let Some(subject) = pending
            && let Err(e) = self.rotate_key(by, &subject, at)
        {
            tracing::warn!(error = %e, "requested rekey failed; kept for the next sign-in");
        }
    }

    /// The rekey itself (steps in the module's comment). `subject` names who was removed,
    /// when a removal asked for it.
    pub(crate) fn rotate_key(&self, by: &str, subject: &str, at: DateTime<Utc>) -> Result<()> {
        let mut conn = self.conn();
        let mut held = self.key.lock().unwrap_or_else(|p| p.into_inner());
        let Some(old) = held.clone() else {
            return Ok(());
        };
        let file = slots_path(&self.path);
        let before = KeySlots::load(&file)?;
        if !checkpoint_truncate(&conn)? {
            tracing::warn!("rekey postponed: another process is reading the database");
            return Err(StoreError::RekeyFailed);
        }
        let new = DbKey::random();
        let pending = before.with_new_key(&new, &old)?;
        pending.save(&file)?;
        let rekeyed = conn.pragma_update(None, "rekey", &*new.pragma());
        if !opens(&self.path, &new) {
            tracing::error!(error = ?rekeyed.err(), "rekey failed");
            // SQLCipher 4.5 leaves the connection writing under the new key after a failed
            // rekey: it is replaced by one keyed as the file really is.
            if opens(&self.path, &old) {
                *conn = crate::open_bare(&self.path, Some(&old))?;
                before.save(&file)?;
            }
            // Neither key answers (the disk, say): the file keeps listing both.
            return Err(StoreError::RekeyFailed);
        }
        *held = Some(new.clone());
        let tx = conn.transaction()?;
        // The lockout table names people by a digest keyed by the old key: unusable now.
        tx.execute("DELETE FROM sign_in_failures", [])?;
        tx.execute("DELETE FROM setting WHERE key = ?1", [PENDING])?;
        crate::audit::record(&tx, at, by, AuditAction::DatabaseRekey, subject, "")?;
        tx.commit()?;
        if !checkpoint_truncate(&conn)? {
            // The database file still holds pages under the old key until a checkpoint
            // copies the new ones over them; the desk's idle checkpoint will.
            tracing::warn!("rekeyed, but the WAL could not be folded in yet");
        }
        drop(conn);
        let mut settled = pending;
        settled.settle(&new);
        settled.save(&file)?;
        drop(held);
        tracing::info!("database key renewed");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::device_key_path;

    /// A store with a row to find again; only the device slot, so no password cost here (the
    /// staff slots' real cost is exercised by `tests/security.rs`).
    fn store_with_row(path: &std::path::Path) -> Store {
        let store = Store::open(path).unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO setting (key, value) VALUES ('probe', 'kept')",
                [],
            )
            .unwrap();
        store
    }

    fn probe(store: &Store) -> String {
        store
            .conn()
            .query_row("SELECT value FROM setting WHERE key = 'probe'", [], |r| {
                r.get(0)
            })
            .unwrap()
    }

    /// The files a crash leaves, copied as they are at this instant.
    fn crash_image(from: &std::path::Path, to: &std::path::Path) {
        for suffix in ["", "-wal", ".keys", ".device-key"] {
            let src = format!("{}{suffix}", from.display());
            if std::path::Path::new(&src).exists() {
                std::fs::copy(&src, format!("{}{suffix}", to.display())).unwrap();
            }
        }
    }

    fn cipher_ok(path: &std::path::Path, key: &DbKey) -> bool {
        let conn = crate::open_bare(path, Some(key)).unwrap();
        let mut stmt = conn.prepare("PRAGMA cipher_integrity_check").unwrap();
        let failures = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .count();
        failures == 0
    }

    #[test]
    fn a_rekey_interrupted_at_any_step_leaves_a_database_that_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let slots_file = slots_path(&path);
        let store = store_with_row(&path);
        let old = store.db_key().unwrap();
        let new = DbKey::random();
        let pending = KeySlots::load(&slots_file)
            .unwrap()
            .with_new_key(&new, &old)
            .unwrap();

        // Crash after step 2 (both keys listed), before the rekey: the old key opens it, and
        // the new copies stay (a rekey elsewhere may still need them).
        pending.save(&slots_file).unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(store.db_key().unwrap().id(), old.id());
        assert_eq!(probe(&store), "kept");
        assert!(KeySlots::load(&slots_file).unwrap().has_other_keys(&old));

        // Crash after the rekey committed to the WAL, before the checkpoint (step 3), and
        // after the checkpoint, before the slots were settled (step 4).
        for checkpointed in [false, true] {
            let conn = store.conn();
            assert!(checkpoint_truncate(&conn).unwrap());
            conn.pragma_update(None, "rekey", &*new.pragma()).unwrap();
            if checkpointed {
                assert!(checkpoint_truncate(&conn).unwrap());
            } else {
                let wal = std::fs::metadata(format!("{}-wal", path.display())).unwrap();
                assert!(wal.len() > 0, "the rekeyed pages are in the WAL");
            }
            let image = dir.path().join(format!("crash-{checkpointed}.db"));
            crash_image(&path, &image);
            // Put the original back under the old key for the next round.
            conn.pragma_update(None, "rekey", &*old.pragma()).unwrap();
            drop(conn);

            let reopened = Store::open(&image).unwrap();
            assert_eq!(reopened.db_key().unwrap().id(), new.id());
            assert_eq!(probe(&reopened), "kept");
            // The open that found the newest key working finished the rekey.
            let settled = KeySlots::load(&slots_path(&image)).unwrap();
            assert!(!settled.has_other_keys(&new));
            // cipher_integrity_check reads the database file itself: once the last connection
            // has folded the WAL in, every page there is under the new key.
            drop(reopened);
            assert!(cipher_ok(&image, &new));
            assert!(crate::open_bare(&image, Some(&old)).is_err());
        }
    }

    #[test]
    fn a_rekey_that_cannot_start_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let store = store_with_row(&path);
        let old = store.db_key().unwrap();
        let before = std::fs::read(slots_path(&path)).unwrap();
        // Another process in the middle of a write: the WAL cannot be emptied.
        let other = crate::open_bare(&path, Some(&old)).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        store
            .conn()
            .busy_timeout(std::time::Duration::from_millis(50))
            .unwrap();
        assert!(matches!(
            store.rotate_key("admin", "", chrono::Utc::now()),
            Err(StoreError::RekeyFailed)
        ));
        other.execute_batch("ROLLBACK").unwrap();
        assert_eq!(std::fs::read(slots_path(&path)).unwrap(), before);
        assert_eq!(store.db_key().unwrap().id(), old.id());
        assert_eq!(probe(&store), "kept");
        // Once the other writer is gone it goes through, and the store carries on.
        store.rotate_key("admin", "", chrono::Utc::now()).unwrap();
        assert_ne!(store.db_key().unwrap().id(), old.id());
        assert_eq!(probe(&store), "kept");
        drop(store);
        assert!(device_key_path(&path).exists());
        assert_eq!(probe(&Store::open(&path).unwrap()), "kept");
    }
}
