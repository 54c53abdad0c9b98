//! Encrypted backups: one file that opens with any staff member's password, never with a
//! secret left on the machine, and is checked before anything is replaced on restore.
//!
//! Layout: the magic line `ARIZA-BACKUP-1\n`, the length of the slots JSON (u32, little
//! endian), the staff key slots (no device slot), then a SQLCipher database exported with the
//! same key (`sqlcipher_export`), so its bytes are as unreadable as the live database's.

use ariza_core::audit::AuditAction;
use std::io::Read;
use std::path::{Path, PathBuf};

use ariza_core::audit::AuditReport;
use ariza_core::clock::Clock;
use ariza_core::staff::{Action, Actor};
use rusqlite::Connection;

use crate::keys::{DeviceKeyStore, KeySlots, slots_path, write_private_atomically};
use crate::{Result, Store, StoreError};

const MAGIC: &[u8] = b"ARIZA-BACKUP-1\n";

/// What a restore checked before it replaced anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreReport {
    pub integrity: String,
    pub audit: AuditReport,
    pub applications: i64,
    pub citizens: i64,
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

impl Store {
    /// Writes an encrypted backup of the whole database to `out` (admins and supervisors).
    pub fn backup(&self, actor: &Actor, out: &Path, clock: &dyn Clock) -> Result<()> {
        actor.role.require(Action::Backup)?;
        let Some(key) = &self.key else {
            return Err(StoreError::Locked);
        };
        let slots = KeySlots::load(&slots_path(&self.path))?.without_device();
        let export = sibling(out, ".export");
        let _ = std::fs::remove_file(&export);
        {
            let conn = self.conn();
            crate::audit::record(
                &conn,
                clock.now(),
                &actor.username,
                AuditAction::BackupCreate,
                "",
                "",
            )?;
            conn.execute(
                "ATTACH DATABASE ?1 AS backup KEY ?2",
                rusqlite::params![export.to_string_lossy(), &*key.pragma()],
            )?;
            // sqlcipher_export copies schema and rows but not the schema version.
            let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
            let exported = conn
                .query_row("SELECT sqlcipher_export('backup')", [], |_| Ok(()))
                .and_then(|()| {
                    conn.execute_batch(&format!("PRAGMA backup.user_version = {version}"))
                });
            conn.execute("DETACH DATABASE backup", [])?;
            exported?;
        }
        let db = std::fs::read(&export).map_err(StoreError::Io)?;
        let _ = std::fs::remove_file(&export);
        let json = slots.to_json()?;
        let mut bytes = Vec::with_capacity(db.len() + json.len() + 32);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
        bytes.extend_from_slice(json.as_bytes());
        bytes.extend_from_slice(&db);
        write_private_atomically(out, &bytes)?;
        tracing::info!(bytes = bytes.len(), "backup written");
        Ok(())
    }

    /// Restores `backup` to the database at `db` with a staff member's password from the
    /// backup. The copy is opened, its integrity and audit chain checked, and only then moved
    /// into place; the device gets a fresh key slot. An existing database is refused unless
    /// `replace` is set (it is then kept beside as `…bak-before-restore`).
    pub fn restore(
        backup: &Path,
        db: &Path,
        device: &DeviceKeyStore,
        username: &str,
        password: &str,
        replace: bool,
        clock: &dyn Clock,
    ) -> Result<RestoreReport> {
        let mut file = std::fs::File::open(backup).map_err(StoreError::Io)?;
        let mut head = vec![0u8; MAGIC.len() + 4];
        file.read_exact(&mut head)
            .map_err(|_| StoreError::BadBackup)?;
        if &head[..MAGIC.len()] != MAGIC {
            return Err(StoreError::BadBackup);
        }
        let mut len = [0u8; 4];
        len.copy_from_slice(&head[MAGIC.len()..]);
        let len = u32::from_le_bytes(len) as usize;
        if len > 16 * 1024 * 1024 {
            return Err(StoreError::BadBackup);
        }
        let mut json = vec![0u8; len];
        file.read_exact(&mut json)
            .map_err(|_| StoreError::BadBackup)?;
        let slots =
            KeySlots::from_json(std::str::from_utf8(&json).map_err(|_| StoreError::BadBackup)?)
                .map_err(|_| StoreError::BadBackup)?;
        let key = slots.open_staff(username, password)?;
        if db.exists() && !replace {
            return Err(StoreError::Duplicate("err-restore-exists", "database"));
        }
        let staged = sibling(db, ".restoring");
        {
            let mut out = std::fs::File::create(&staged).map_err(StoreError::Io)?;
            std::io::copy(&mut file, &mut out).map_err(StoreError::Io)?;
            out.sync_all().map_err(StoreError::Io)?;
        }
        let checked = (|| -> Result<RestoreReport> {
            let conn = Connection::open(&staged)?;
            crate::apply_key(&conn, &key).map_err(|_| StoreError::BadBackup)?;
            let integrity: String = conn
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .map_err(|_| StoreError::BadBackup)?;
            drop(conn);
            if integrity != "ok" {
                return Err(StoreError::BadBackup);
            }
            let store = Store::open_keyed(&staged, Some(key.clone()))?;
            let audit = store.verify_audit()?;
            let count =
                |sql: &str| -> Result<i64> { Ok(store.conn().query_row(sql, [], |r| r.get(0))?) };
            let report = RestoreReport {
                integrity,
                applications: count("SELECT count(*) FROM application")?,
                citizens: count("SELECT count(*) FROM citizen")?,
                audit,
            };
            store.conn().pragma_update(None, "journal_mode", "DELETE")?;
            Ok(report)
        })();
        let report = match checked {
            Ok(r) if r.audit.ok() => r,
            Ok(_) | Err(_) => {
                let _ = std::fs::remove_file(&staged);
                return Err(StoreError::BadBackup);
            }
        };
        if db.exists() {
            std::fs::rename(db, sibling(db, ".bak-before-restore")).map_err(StoreError::Io)?;
            for suffix in ["-wal", "-shm"] {
                let _ = std::fs::remove_file(sibling(db, suffix));
            }
        }
        std::fs::rename(&staged, db).map_err(StoreError::Io)?;
        // The staff slots first; the device's is added as the restored settings allow (only in
        // the OS keyring when they require it).
        slots.without_device().save(&slots_path(db))?;
        let store = Store::open_keyed(db, Some(key))?;
        store.renew_device_slot(device)?;
        store.audit_event(
            clock.now(),
            &username.trim().to_lowercase(),
            AuditAction::BackupRestore,
            "",
            "",
        )?;
        tracing::info!(applications = report.applications, "backup restored");
        Ok(report)
    }
}
