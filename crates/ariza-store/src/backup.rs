//! Encrypted backups, each under a key of its own, and restores that check before they
//! replace anything and never destroy what they replace.
//!
//! Layout (format 2): the magic line `ARIZA-BACKUP-2\n`, the length of the header (u32, little
//! endian), the header — a slots file ([`KeySlots`]) wrapping this backup's own random key to
//! the recipients of the supervisors and administrators who may restore it (their
//! password-sealed identities included, so a machine whose slots are gone can restore it) and,
//! when one is registered, to the desk's recovery key — then a SQLCipher database exported
//! under that key (`sqlcipher_export` into an attached database keyed with it, SQLCipher's
//! documented way to copy a database under another key). The live database key is not in it
//! in any form, and the device's secret opens none of it. Format-1 backups (the live key and
//! the staff's format-1 slots) still restore.

use ariza_core::audit::AuditAction;
use std::io::Read;
use std::path::{Path, PathBuf};

use ariza_core::audit::AuditReport;
use ariza_core::clock::Clock;
use ariza_core::staff::{Action, Actor, Role};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use crate::keys::{
    DbKey, DeviceKeyStore, KeySlots, RecoveryKey, device_key_path, slots_path,
    write_private_atomically, write_private_new,
};
use crate::stored::parse_stored;
use crate::{Result, Store, StoreError, ts};

const MAGIC_1: &[u8] = b"ARIZA-BACKUP-1\n";
const MAGIC: &[u8] = b"ARIZA-BACKUP-2\n";
/// The setting holding the registered recovery key's public recipient.
const RECOVERY_SETTING: &str = "recovery_recipient";

/// What a backup can be opened with.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupReport {
    /// The supervisors and administrators whose password opens it.
    pub restorers: Vec<String>,
    /// Whether the registered recovery key opens it too.
    pub recovery_key: bool,
}

/// What a restore checked before it replaced anything, and what it kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RestoreReport {
    pub integrity: String,
    #[serde(skip)]
    pub audit: AuditReport,
    pub applications: i64,
    pub citizens: i64,
    /// Where the database it replaced now is (with its WAL, slots and device secret), when
    /// it replaced one: it still opens.
    pub replaced: Option<PathBuf>,
    /// The staff who have a key slot in the restored database (the rest get theirs at their
    /// next sign-in).
    pub holders: Vec<String>,
}

/// Who opens the backup.
pub enum RestoreFrom<'a> {
    /// A supervisor's or administrator's password from the backup.
    Staff {
        username: &'a str,
        password: &'a str,
    },
    /// The desk's recovery key (every staff password lost).
    RecoveryKey(&'a RecoveryKey),
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// The files that make up a desk database, by suffix of its path: the WAL, the slots file
/// and the device secret's file travel with it; the shared-memory index is rebuilt.
const COMPANIONS: [&str; 3] = ["-wal", ".keys", ".device-key"];

/// A free name beside `db` for the database a restore replaces, from the clock's UTC time.
fn replaced_name(db: &Path, at: DateTime<Utc>) -> PathBuf {
    let stamp = at.format("%Y%m%dT%H%M%SZ").to_string();
    let mut n = 1;
    loop {
        let suffix = if n == 1 {
            format!(".replaced-{stamp}")
        } else {
            format!(".replaced-{stamp}-{n}")
        };
        let candidate = sibling(db, &suffix);
        let taken = std::iter::once("")
            .chain(COMPANIONS)
            .any(|s| sibling(&candidate, s).exists());
        if !taken {
            return candidate;
        }
        n += 1;
    }
}

impl Store {
    /// The registered recovery key's public recipient, if any.
    pub fn recovery_recipient(&self) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT value FROM setting WHERE key = ?1",
                [RECOVERY_SETTING],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Makes a new recovery key (administrators): its private half goes to `out` (a new file,
    /// readable by its owner only, headed by the comment `note`; an existing file is never
    /// overwritten), its public half is registered here, and every backup from now on is also
    /// wrapped to it. Returns the public recipient.
    pub fn create_recovery_key(
        &self,
        actor: &Actor,
        out: &Path,
        note: &str,
        clock: &dyn Clock,
    ) -> Result<String> {
        actor.role.require(Action::ManageCenter)?;
        let key = RecoveryKey::generate();
        let recipient = key.recipient();
        write_private_new(out, key.file_text(note, &ts(clock.now())).as_bytes())?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO setting (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            rusqlite::params![RECOVERY_SETTING, recipient],
        )?;
        crate::audit::record(
            &tx,
            clock.now(),
            &actor.username,
            AuditAction::RecoveryKeySet,
            &recipient,
            "",
        )?;
        tx.commit()?;
        tracing::info!("recovery key registered");
        Ok(recipient)
    }

    /// The active staff who may restore (the roles allowed to back up).
    fn restorers(&self) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT username, role FROM staff WHERE active = 1 AND password_hash != '!' ORDER BY username",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (username, role) = row?;
            let role: Role = parse_stored(&role, "staff", "role")?;
            if role.may(Action::Backup) {
                out.push(username);
            }
        }
        Ok(out)
    }

    /// Writes an encrypted backup of the whole database to `out` (admins and supervisors),
    /// under a random key of its own wrapped to every supervisor and administrator with a
    /// format-2 slot and to the recovery key if one is registered.
    pub fn backup(&self, actor: &Actor, out: &Path, clock: &dyn Clock) -> Result<BackupReport> {
        actor.role.require(Action::Backup)?;
        if self.db_key().is_none() {
            return Err(StoreError::Locked);
        }
        let restorers = self.restorers()?;
        let recovery = self.recovery_recipient()?;
        let backup_key = DbKey::random();
        let header = KeySlots::load(&slots_path(&self.path))?.for_backup(
            &backup_key,
            &restorers,
            recovery.as_deref(),
        )?;
        let report = BackupReport {
            restorers: header.staff_usernames(),
            recovery_key: header.has_recovery(),
        };
        // A person with a format-1 slot (not signed in since the upgrade) is not in it; a
        // backup nobody can open is refused rather than written.
        if report.restorers.is_empty() && !report.recovery_key {
            return Err(StoreError::NotFound("err-backup-no-restorer"));
        }
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
                &report.restorers.len().to_string(),
            )?;
            conn.execute(
                "ATTACH DATABASE ?1 AS backup KEY ?2",
                rusqlite::params![export.to_string_lossy(), &*backup_key.pragma()],
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
        let json = header.to_json()?;
        let mut bytes = Vec::with_capacity(db.len() + json.len() + 32);
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(json.len() as u32).to_le_bytes());
        bytes.extend_from_slice(json.as_bytes());
        bytes.extend_from_slice(&db);
        write_private_atomically(out, &bytes)?;
        tracing::info!(
            bytes = bytes.len(),
            restorers = report.restorers.len(),
            recovery_key = report.recovery_key,
            "backup written"
        );
        Ok(report)
    }

    /// Restores `backup` to the database at `db`. The copy is opened with the backup's key
    /// (from a restorer's password or the recovery key), its integrity and audit chain
    /// checked, re-encrypted under a fresh key with slots for the people in the backup and a
    /// new device slot, and only then moved into place. An existing database is refused
    /// unless `replace` is set; it is then kept beside, with its WAL, slots and device
    /// secret, as `<db>.replaced-<UTC time>` (it still opens). Nothing is deleted: a restore
    /// interrupted half-way is run again with `replace`.
    pub fn restore(
        backup: &Path,
        db: &Path,
        device: &DeviceKeyStore,
        from: RestoreFrom<'_>,
        replace: bool,
        clock: &dyn Clock,
    ) -> Result<RestoreReport> {
        let (mut file, format, header) = read_header(backup)?;
        let backup_key = match (&from, format) {
            (RestoreFrom::Staff { username, password }, _) => {
                header.open_staff(username, password)?
            }
            (RestoreFrom::RecoveryKey(key), 2) => header
                .open_with_identity(key.identity())
                .ok_or(StoreError::BadRecoveryKey)?,
            (RestoreFrom::RecoveryKey(_), _) => return Err(StoreError::BadRecoveryKey),
        };
        if db.exists() && !replace {
            return Err(StoreError::Duplicate("err-restore-exists", "database"));
        }
        let staged = sibling(db, ".restoring");
        let _ = std::fs::remove_file(sibling(&staged, "-wal"));
        {
            let mut out = std::fs::File::create(&staged).map_err(StoreError::Io)?;
            std::io::copy(&mut file, &mut out).map_err(StoreError::Io)?;
            out.sync_all().map_err(StoreError::Io)?;
        }
        let key = DbKey::random();
        let mut report = match check_and_rekey(&staged, &backup_key, &key) {
            Ok(r) if r.audit.ok() => r,
            Ok(_) | Err(_) => {
                let _ = std::fs::remove_file(&staged);
                return Err(StoreError::BadBackup);
            }
        };
        // The people in the backup keep their identities; K is wrapped to their recipients.
        let mut slots = header.restored_with(&key)?;
        if format == 1
            && let RestoreFrom::Staff { username, password } = &from
        {
            // A format-1 backup holds no identities: the restorer, whose password is here,
            // gets a format-2 slot; everyone else at their next sign-in.
            slots.put_staff(&key, username, password)?;
        }
        report.holders = slots.staff_usernames();
        slots.save(&slots_path(&staged))?;

        if let Some(kept) = keep_replaced(db, device, clock.now())? {
            report.replaced = Some(kept);
        }
        std::fs::rename(&staged, db).map_err(StoreError::Io)?;
        std::fs::rename(slots_path(&staged), slots_path(db)).map_err(StoreError::Io)?;
        let store = Store::open_keyed(db, Some(key))?;
        store.renew_device_slot(device)?;
        let by = match &from {
            RestoreFrom::Staff { username, .. } => username.trim().to_lowercase(),
            RestoreFrom::RecoveryKey(_) => "recovery-key".to_string(),
        };
        store.audit_event(clock.now(), &by, AuditAction::BackupRestore, "", "")?;
        tracing::info!(
            applications = report.applications,
            kept_replaced = report.replaced.is_some(),
            "backup restored"
        );
        Ok(report)
    }
}

/// Reads the magic line and the header; leaves `file` at the database bytes.
fn read_header(backup: &Path) -> Result<(std::fs::File, u32, KeySlots)> {
    let mut file = std::fs::File::open(backup).map_err(StoreError::Io)?;
    let mut head = vec![0u8; MAGIC.len() + 4];
    file.read_exact(&mut head)
        .map_err(|_| StoreError::BadBackup)?;
    let format = match &head[..MAGIC.len()] {
        m if m == MAGIC => 2,
        m if m == MAGIC_1 => 1,
        _ => return Err(StoreError::BadBackup),
    };
    let mut len = [0u8; 4];
    len.copy_from_slice(&head[MAGIC.len()..]);
    let len = u32::from_le_bytes(len) as usize;
    if len > 16 * 1024 * 1024 {
        return Err(StoreError::BadBackup);
    }
    let mut json = vec![0u8; len];
    file.read_exact(&mut json)
        .map_err(|_| StoreError::BadBackup)?;
    let header =
        KeySlots::from_json(std::str::from_utf8(&json).map_err(|_| StoreError::BadBackup)?)
            .map_err(|_| StoreError::BadBackup)?;
    Ok((file, format, header))
}

/// Opens the staged copy with the backup's key, checks it, migrates it, and re-encrypts it
/// under `key` (in rollback-journal mode: a fresh file nobody else has open).
fn check_and_rekey(staged: &Path, backup_key: &DbKey, key: &DbKey) -> Result<RestoreReport> {
    let conn = Connection::open(staged)?;
    crate::apply_key(&conn, backup_key).map_err(|_| StoreError::BadBackup)?;
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|_| StoreError::BadBackup)?;
    drop(conn);
    if integrity != "ok" {
        return Err(StoreError::BadBackup);
    }
    let store = Store::open_keyed(staged, Some(backup_key.clone()))?;
    let audit = store.verify_audit()?;
    let count = |sql: &str| -> Result<i64> { Ok(store.conn().query_row(sql, [], |r| r.get(0))?) };
    let report = RestoreReport {
        integrity,
        applications: count("SELECT count(*) FROM application")?,
        citizens: count("SELECT count(*) FROM citizen")?,
        audit,
        replaced: None,
        holders: Vec::new(),
    };
    {
        let conn = store.conn();
        conn.pragma_update(None, "journal_mode", "DELETE")?;
        conn.pragma_update(None, "rekey", &*key.pragma())?;
    }
    drop(store);
    // SQLCipher 4.5 answers a failed rekey with success: check the new key opens it.
    let conn = Connection::open(staged)?;
    crate::apply_key(&conn, key)?;
    Ok(report)
}

/// Moves the database a restore replaces, and whatever goes with it, to a new name beside it;
/// a device secret kept in the OS keyring is copied to the new name's entry. Returns that
/// name, or `None` when there was nothing to keep.
fn keep_replaced(db: &Path, device: &DeviceKeyStore, at: DateTime<Utc>) -> Result<Option<PathBuf>> {
    let present = |suffix: &str| sibling(db, suffix).exists();
    if !present("") && !COMPANIONS.iter().any(|s| present(s)) {
        return Ok(None);
    }
    let kept = replaced_name(db, at);
    // A secret in the keyring stays in a keyring: under the kept copy's own entry.
    if let DeviceKeyStore::Keyring { .. } = device
        && !device.file().exists()
        && let Some((secret, _)) = device.load()?
    {
        DeviceKeyStore::os_keyring(&kept).save(&secret)?;
    }
    let device_file = device.file().to_path_buf();
    let moves = [
        (sibling(db, "-wal"), sibling(&kept, "-wal")),
        (db.to_path_buf(), kept.clone()),
        (slots_path(db), slots_path(&kept)),
        (device_file, device_key_path(&kept)),
    ];
    for (from, to) in &moves {
        if from.exists() {
            std::fs::rename(from, to).map_err(StoreError::Io)?;
        }
    }
    let _ = std::fs::remove_file(sibling(db, "-shm"));
    tracing::info!("replaced database kept beside the restored one");
    Ok(Some(kept))
}
