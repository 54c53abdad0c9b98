//! The center this desk serves, its staff, sign-in and the catalog in force.

use ariza_core::audit::AuditAction;
use ariza_core::catalog::{Catalog, default_catalog};
use ariza_core::clock::Clock;
use ariza_core::error::{DomainError, FieldError, Validation};
use ariza_core::regions;
use ariza_core::staff::{
    Action, Actor, MIN_PASSWORD_LEN, NewStaff, Role, StaffMember, hash_password, sign_in_delay,
    verify_password,
};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::keys::StaffIdentity;
use crate::stored::{Json, StoredRow, parse_stored};
use crate::{Result, Store, StoreError, ts};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Center {
    pub code: String,
    pub name: String,
    pub region: String,
    pub district: String,
    pub device_number: u32,
}

/// First run: the center and its first administrator.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SetupRequest {
    pub center_code: String,
    pub center_name: String,
    pub region: String,
    pub district: String,
    pub admin: NewStaff,
}

fn valid_center_code(code: &str) -> bool {
    (2..=8).contains(&code.len()) && code.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A stand-in hash verified when the username does not exist, so a wrong username costs as
/// much time as a wrong password and does not reveal which staff exist.
/// Who a failed sign-in names in the audit when the typed name is nobody's.
pub const UNKNOWN_USER: &str = "(unknown user)";

const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0Hq2ZcHM1i5XoPQ5UH0mVl3bTnqsc0U6Q3cl0cf0qvo";

impl Store {
    pub fn center(&self) -> Result<Option<Center>> {
        Ok(self
            .conn()
            .prepare_cached("SELECT code, name, region, district, device_number FROM center")?
            .query_row([], |r| {
                Ok(Center {
                    code: r.get(0)?,
                    name: r.get(1)?,
                    region: r.get(2)?,
                    district: r.get(3)?,
                    device_number: r.get(4)?,
                })
            })
            .optional()?)
    }

    /// Checks a permission that guards no single store call (the center's settings).
    pub fn require_role(&self, actor: &Actor, action: Action) -> Result<()> {
        Ok(actor.role.require(action)?)
    }

    pub fn require_center(&self) -> Result<Center> {
        self.center()?.ok_or(StoreError::NotSetUp)
    }

    /// Creates the center, its first administrator and the default catalog, all or nothing.
    pub fn setup(&self, req: &SetupRequest, clock: &dyn Clock) -> Result<Actor> {
        let mut v = Validation::default();
        let code = req.center_code.trim().to_uppercase();
        if !valid_center_code(&code) {
            v.push(FieldError::new("center_code", "err-center-code"));
        }
        if req.center_name.trim().is_empty() {
            v.push(FieldError::new("center_name", "err-required"));
        }
        if !regions::district_in_region(&req.region, &req.district) {
            v.push(FieldError::new("district", "err-district"));
        }
        let username = match req.admin.validate() {
            Ok(u) => Some(u),
            Err(DomainError::Invalid(errors)) => {
                v.0.extend(errors);
                None
            }
            Err(e) => return Err(e.into()),
        };
        v.finish()?;
        let username = username.unwrap_or_default();
        let hash = hash_password(&req.admin.password).map_err(|_| StoreError::Hash)?;
        // The slow half of the administrator's key slot, before any lock is taken.
        let identity = StaffIdentity::seal(&username, &req.admin.password)?;
        let catalog = default_catalog()?;
        let now = ts(clock.now());

        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let exists: i64 = tx.query_row("SELECT count(*) FROM center", [], |r| r.get(0))?;
        if exists > 0 {
            return Err(StoreError::AlreadySetUp);
        }
        tx.execute(
            "INSERT INTO center (id, code, name, region, district, created_at) VALUES (1, ?1, ?2, ?3, ?4, ?5)",
            params![code, req.center_name.trim(), req.region, req.district, now],
        )?;
        tx.execute(
            "INSERT INTO staff (username, full_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![username, req.admin.full_name.trim(), Role::Admin.as_str(), hash, now],
        )?;
        let id = tx.last_insert_rowid();
        tx.execute(
            "INSERT OR IGNORE INTO catalog (version, body, received_at) VALUES (?1, ?2, ?3)",
            params![catalog.version, serde_json::to_string(&catalog)?, now],
        )?;
        crate::audit::record(
            &tx,
            clock.now(),
            &username,
            AuditAction::CenterSetup,
            &code,
            "",
        )?;
        crate::audit::record(
            &tx,
            clock.now(),
            &username,
            AuditAction::StaffAdd,
            &username,
            "admin",
        )?;
        // The administrator's key slot goes in before the commit: a desk that is set up
        // always has a person who can open it.
        self.edit_slots(|slots, key| slots.put_staff_identity(&identity, key))?;
        tx.commit()?;
        tracing::info!(center = %code, "desk set up");
        Ok(Actor {
            staff_id: id,
            username,
            full_name: req.admin.full_name.trim().to_string(),
            role: Role::Admin,
        })
    }

    /// How the lockout table names `username`: keyed by the database key (the benchmark's
    /// unencrypted store has none and uses a plain digest).
    fn lockout_name(&self, username: &str) -> String {
        match self.db_key() {
            Some(key) => key.keyed_name(username),
            None => {
                use sha2::{Digest, Sha256};
                hex::encode(Sha256::digest(username.as_bytes()))
            }
        }
    }

    /// Checks a password offline against the local Argon2id hash. Repeated failures for a
    /// username make it wait longer and longer, then lock it for a while
    /// ([`ariza_core::staff::sign_in_delay`]); a success clears the count.
    pub fn sign_in(&self, username: &str, password: &str, clock: &dyn Clock) -> Result<Actor> {
        self.require_center()?;
        let username = username.trim().to_lowercase();
        let now = clock.now();
        let lockout_name = self.lockout_name(&username);
        let waiting: Option<(u32, DateTime<Utc>)> = self
            .conn()
            .query_row(
                "SELECT failures, next_try_at FROM sign_in_failures WHERE username = ?1",
                [&lockout_name],
                |r| Ok((r.get(0)?, r.stored(1, "sign_in_failures", "next_try_at")?)),
            )
            .optional()?;
        let failures = waiting.as_ref().map_or(0, |w| w.0);
        if let Some((_, next)) = waiting
            && next > now
        {
            let retry_after = (next - now).num_seconds().max(1);
            return Err(StoreError::TooManyAttempts { retry_after });
        }
        let row: Option<(i64, String, String, String)> = self
            .conn()
            .query_row(
                "SELECT id, full_name, role, password_hash FROM staff WHERE username = ?1 AND active = 1",
                [&username],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        let verified = match &row {
            Some((_, _, _, hash)) => verify_password(password, hash),
            None => {
                verify_password(password, DUMMY_HASH);
                false
            }
        };
        // The role is read only once the password is right, so a damaged row tells nothing
        // to someone guessing usernames.
        let known = row.is_some();
        let (Some((id, full_name, role, _)), true) = (row, verified) else {
            let failures = failures + 1;
            let next = now + sign_in_delay(failures);
            let conn = self.conn();
            conn.execute(
                "INSERT INTO sign_in_failures (username, failures, next_try_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (username) DO UPDATE SET failures = excluded.failures, next_try_at = excluded.next_try_at",
                params![lockout_name, failures, ts(next)],
            )?;
            // The audit travels to the portal: it names a staff member who exists, never what
            // was typed for an unknown one (often a password typed into the wrong field).
            let who = if known {
                username.as_str()
            } else {
                UNKNOWN_USER
            };
            crate::audit::record(
                &conn,
                now,
                who,
                AuditAction::StaffSignInFailed,
                who,
                &failures.to_string(),
            )?;
            tracing::info!(failures, "sign-in refused");
            return Err(StoreError::BadCredentials);
        };
        let role: Role = parse_stored(&role, "staff", "role")?;
        {
            let conn = self.conn();
            conn.execute(
                "DELETE FROM sign_in_failures WHERE username = ?1",
                [&lockout_name],
            )?;
            crate::audit::record(
                &conn,
                now,
                &username,
                AuditAction::StaffSignIn,
                &username,
                "",
            )?;
        }
        // The one moment a person's password is known here: staff who arrived from the
        // portal's feed (or whose password changed there) get their key slot now, and a
        // format-1 slot becomes format 2, which a rekey can rewrap without the password.
        if !self.has_slot_identity(&username)? {
            let identity = StaffIdentity::seal(&username, password)?;
            self.edit_slots(|slots, key| slots.put_staff_identity(&identity, key))?;
            tracing::info!(staff_id = id, "key slot written at sign-in");
        }
        self.rekey_if_pending(&username, now);
        tracing::info!(staff_id = id, "signed in");
        Ok(Actor {
            staff_id: id,
            username,
            full_name,
            role,
        })
    }

    /// Whether `username` has a format-2 key slot (the benchmark's unencrypted store needs
    /// none).
    fn has_slot_identity(&self, username: &str) -> Result<bool> {
        if self.db_key().is_none() {
            return Ok(true);
        }
        Ok(crate::keys::KeySlots::load(&crate::slots_path(&self.path))?
            .has_staff_identity(username))
    }

    /// Confirms the signed-in person's password again (the idle lock), without touching
    /// anyone else's failure count.
    pub fn confirm_password(&self, actor: &Actor, password: &str, clock: &dyn Clock) -> Result<()> {
        let again = self.sign_in(&actor.username, password, clock)?;
        if again.staff_id == actor.staff_id {
            Ok(())
        } else {
            Err(StoreError::BadCredentials)
        }
    }

    /// Sets a new password: one's own (knowing the current one), or anyone's as an admin.
    /// That person's key slot is replaced (a new identity under a new salt), so the old
    /// password opens nothing in the slots file; no other slot changes. A copy of the file
    /// taken before still opens with the old password until the next [`Store::rekey`].
    pub fn change_password(
        &self,
        actor: &Actor,
        username: &str,
        current: Option<&str>,
        new_password: &str,
        clock: &dyn Clock,
    ) -> Result<()> {
        let username = username.trim().to_lowercase();
        if username == actor.username {
            let hash: Option<String> = self
                .conn()
                .query_row(
                    "SELECT password_hash FROM staff WHERE id = ?1",
                    [actor.staff_id],
                    |r| r.get(0),
                )
                .optional()?;
            let ok = current
                .zip(hash)
                .is_some_and(|(current, hash)| verify_password(current, &hash));
            if !ok {
                return Err(StoreError::BadCredentials);
            }
        } else {
            actor.role.require(Action::ManageStaff)?;
        }
        if new_password.chars().count() < MIN_PASSWORD_LEN {
            return Err(DomainError::Invalid(vec![
                FieldError::new("password", "err-password-short").with("min", MIN_PASSWORD_LEN),
            ])
            .into());
        }
        let hash = hash_password(new_password).map_err(|_| StoreError::Hash)?;
        let identity = StaffIdentity::seal(&username, new_password)?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let changed = tx.execute(
            "UPDATE staff SET password_hash = ?2 WHERE username = ?1 AND active = 1 AND password_hash != '!'",
            params![username, hash],
        )?;
        if changed == 0 {
            return Err(StoreError::NotFound("err-staff-not-found"));
        }
        crate::audit::record(
            &tx,
            clock.now(),
            &actor.username,
            AuditAction::StaffPassword,
            &username,
            "",
        )?;
        // Before the commit: should the commit fail, the new password opens the slot and the
        // old one opens nothing, never the reverse.
        self.edit_slots(|slots, key| slots.put_staff_identity(&identity, key))?;
        tx.commit()?;
        tracing::info!(by = actor.staff_id, "password changed");
        Ok(())
    }

    /// Deactivates a staff member: they can no longer sign in, their key slot is removed, and
    /// the database is rekeyed ([`Store::rekey`]) so that an old copy of the slots file and
    /// their password open nothing of it. The last active administrator cannot be removed.
    pub fn deactivate_staff(&self, actor: &Actor, username: &str, clock: &dyn Clock) -> Result<()> {
        actor.role.require(Action::ManageStaff)?;
        let username = username.trim().to_lowercase();
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let role: Option<Role> = tx
            .query_row(
                "SELECT role FROM staff WHERE username = ?1 AND active = 1 AND password_hash != '!'",
                [&username],
                |r| r.stored(0, "staff", "role"),
            )
            .optional()?;
        let Some(role) = role else {
            return Err(StoreError::NotFound("err-staff-not-found"));
        };
        if role == Role::Admin {
            let admins: i64 = tx.query_row(
                "SELECT count(*) FROM staff WHERE role = ?1 AND active = 1",
                [Role::Admin.as_str()],
                |r| r.get(0),
            )?;
            if admins <= 1 {
                return Err(DomainError::Invalid(vec![FieldError::new(
                    "username",
                    "err-last-admin",
                )])
                .into());
            }
        }
        tx.execute(
            "UPDATE staff SET active = 0 WHERE username = ?1",
            [&username],
        )?;
        crate::audit::record(
            &tx,
            clock.now(),
            &actor.username,
            AuditAction::StaffDeactivate,
            &username,
            "",
        )?;
        crate::rekey::request(&tx, &username)?;
        self.edit_slots(|slots, _| {
            slots.remove_staff(&username);
            Ok(())
        })?;
        tx.commit()?;
        drop(conn);
        self.rotate_key(&actor.username, &username, clock.now())
    }

    pub fn add_staff(
        &self,
        actor: &Actor,
        new: &NewStaff,
        clock: &dyn Clock,
    ) -> Result<StaffMember> {
        actor.role.require(Action::ManageStaff)?;
        let username = new.validate()?;
        let hash = hash_password(&new.password).map_err(|_| StoreError::Hash)?;
        let identity = StaffIdentity::seal(&username, &new.password)?;
        let conn = self.conn();
        let taken: i64 = conn.query_row(
            "SELECT count(*) FROM staff WHERE username = ?1",
            [&username],
            |r| r.get(0),
        )?;
        if taken > 0 {
            return Err(DomainError::Invalid(vec![FieldError::new(
                "username",
                "err-duplicate-username",
            )])
            .into());
        }
        let mut conn = conn;
        let tx = conn.transaction()?;
        tx.execute(
            "INSERT INTO staff (username, full_name, role, password_hash, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![username, new.full_name.trim(), new.role.as_str(), hash, ts(clock.now())],
        )?;
        let id = tx.last_insert_rowid();
        crate::audit::record(
            &tx,
            clock.now(),
            &actor.username,
            AuditAction::StaffAdd,
            &username,
            new.role.as_str(),
        )?;
        self.edit_slots(|slots, key| slots.put_staff_identity(&identity, key))?;
        tx.commit()?;
        tracing::info!(staff_id = id, by = actor.staff_id, "staff added");
        Ok(StaffMember {
            id,
            username,
            full_name: new.full_name.trim().to_string(),
            role: new.role,
            active: true,
        })
    }

    pub fn list_staff(&self) -> Result<Vec<StaffMember>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT id, username, full_name, role, active FROM staff WHERE password_hash != '!' ORDER BY username")?;
        let rows = stmt.query_map([], |r| {
            Ok(StaffMember {
                id: r.get(0)?,
                username: r.get(1)?,
                full_name: r.get(2)?,
                role: r.stored(3, "staff", "role")?,
                active: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// Drops the cached catalog after a newer version was stored.
    pub(crate) fn forget_catalog(&self) {
        *self.catalog.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The newest catalog version this desk has (cached after the first read).
    pub fn catalog(&self) -> Result<Arc<Catalog>> {
        let mut cached = self.catalog.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cached.as_ref() {
            return Ok(Arc::clone(c));
        }
        let body: Option<String> = self
            .conn()
            .query_row(
                "SELECT body FROM catalog ORDER BY version DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        match body {
            Some(b) => {
                let catalog = Arc::new(parse_stored::<Json<Catalog>>(&b, "catalog", "body")?.0);
                *cached = Some(Arc::clone(&catalog));
                Ok(catalog)
            }
            // Before set-up nothing is stored yet: show the shipped catalog, cache nothing.
            None => Ok(Arc::new(default_catalog()?)),
        }
    }
}
