//! The desk's managed state: the store (opened once, at start-up with the device's key or
//! at the first sign-in with a person's), who is signed in, the sync engine and the messages.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ariza_core::clock::{Clock, SystemClock};
use ariza_core::error::{Code, Fault};
use ariza_core::i18n::{Locale, Localizer};
use ariza_core::staff::Actor;
use ariza_store::{DeviceKeyStore, Store, StoreError};
use chrono::{DateTime, NaiveDate, Utc};

use crate::error::DeskError;

/// Who is signed in, and when they last did something (for the idle lock).
struct Session {
    actor: Actor,
    last_activity: DateTime<Utc>,
}

pub struct Desk {
    store: OnceLock<Store>,
    db: PathBuf,
    device: DeviceKeyStore,
    /// Locked at start-up because an administrator requires the OS keyring for the device
    /// key and it did not hold it (the sign-in screen says so; a password still opens).
    keyring_required: bool,
    /// One engine for the background loop and "Sync now": it runs one sync at a time.
    pub engine: ariza_sync::Engine,
    session: Mutex<Option<Session>>,
    pub localizer: Localizer,
    pub clock: SystemClock,
    pub scanner_folder: crate::scanner::ScannerFolder,
    updates: Mutex<Updates>,
}

/// The portal's newer release once downloaded, and what was installed since start.
#[derive(Default)]
struct Updates {
    ready: Option<crate::commands::update::DownloadedUpdate>,
    installed_now: Option<String>,
}

impl Desk {
    /// Opens the database with the device's key. Without it (key lost, new machine, or the
    /// OS keyring required by an administrator and not holding it) the desk starts locked and
    /// the first staff sign-in opens it with that person's slot.
    pub fn open(db: &Path) -> anyhow::Result<Desk> {
        let device = DeviceKeyStore::os_keyring(db);
        let store = OnceLock::new();
        let mut keyring_required = false;
        match Store::open_with(db, &device) {
            Ok(s) => {
                let _ = store.set(s);
            }
            Err(StoreError::Locked) => {
                tracing::warn!("device key unavailable: the desk waits for a staff sign-in");
            }
            Err(StoreError::KeyringRequired) => {
                tracing::warn!("the OS keyring is required and does not hold the device key");
                keyring_required = true;
            }
            Err(e) => return Err(e.into()),
        }
        Ok(Desk {
            store,
            db: db.to_path_buf(),
            device,
            keyring_required,
            engine: ariza_sync::Engine::new()?,
            session: Mutex::new(None),
            localizer: Localizer::new(),
            clock: SystemClock,
            scanner_folder: Default::default(),
            updates: Mutex::default(),
        })
    }

    pub fn update_status(&self) -> crate::commands::update::UpdateStatus {
        let updates = self.updates.lock().unwrap_or_else(|p| p.into_inner());
        crate::commands::update::UpdateStatus {
            installed: crate::commands::update::this_version().to_string(),
            ready: updates
                .ready
                .as_ref()
                .map(|r| crate::commands::update::ReadyUpdate {
                    version: r.version.clone(),
                    notes: r.notes.clone(),
                }),
            installed_now: updates.installed_now.clone(),
        }
    }

    pub fn ready_update(&self) -> Option<crate::commands::update::DownloadedUpdate> {
        let updates = self.updates.lock().unwrap_or_else(|p| p.into_inner());
        updates.ready.clone()
    }

    pub fn set_ready_update(&self, fetched: Option<crate::commands::update::DownloadedUpdate>) {
        let mut updates = self.updates.lock().unwrap_or_else(|p| p.into_inner());
        // Once installed, the same version is not offered again before the restart.
        if updates.installed_now.is_none() {
            updates.ready = fetched;
        }
    }

    pub fn update_installed(&self, version: &str) {
        let mut updates = self.updates.lock().unwrap_or_else(|p| p.into_inner());
        updates.ready = None;
        updates.installed_now = Some(version.to_string());
    }

    pub fn db_path(&self) -> &Path {
        &self.db
    }

    /// Whether the desk started locked because the OS keyring is required and did not hold
    /// the device key.
    pub fn keyring_required(&self) -> bool {
        self.keyring_required
    }

    /// The open store, or the `locked` fault until a staff member's password opens it.
    pub fn store(&self) -> Result<&Store, DeskError> {
        Ok(self.store.get().ok_or(StoreError::Locked)?)
    }

    /// The store once it is open, without a fault (for the background tasks).
    pub fn open_store(&self) -> Option<&Store> {
        self.store.get()
    }

    /// Signs in; when the database is still locked, the same password first opens it (and
    /// renews the device's slot: in the keyring only, when the administrator requires it).
    pub fn sign_in(&self, username: &str, password: &str) -> Result<Actor, DeskError> {
        if self.store.get().is_none() {
            let store = Store::unlock(&self.db, &self.device, username, password)?;
            let _ = self.store.set(store);
        }
        let actor = self.store()?.sign_in(username, password, &self.clock)?;
        self.set_session(Some(actor.clone()));
        Ok(actor)
    }

    pub fn locale(&self) -> Locale {
        self.store
            .get()
            .and_then(|s| s.settings().ok())
            .map(|s| s.locale)
            .unwrap_or_default()
    }

    /// Turns any error into the `{code, message}` the UI shows, in the desk's language.
    pub fn translate(&self, err: DeskError) -> Fault {
        match err {
            DeskError::Fault(f) => f,
            DeskError::Described(e) => {
                if e.code() == Code::Storage || e.code() == Code::Internal {
                    tracing::error!(error = %e, "command failed");
                }
                Fault::from_error(&*e, &self.localizer, self.locale())
            }
        }
    }

    fn simple_fault(&self, code: Code, key: &str) -> DeskError {
        DeskError::Fault(Fault {
            code,
            message: self.localizer.tr(self.locale(), key, &[]),
            fields: Vec::new(),
        })
    }

    fn idle_limit(&self) -> chrono::Duration {
        let minutes = self
            .store
            .get()
            .and_then(|s| s.settings().ok())
            .map_or(5, |s| s.idle_lock_minutes);
        chrono::Duration::minutes(i64::from(minutes))
    }

    /// The signed-in staff member; `session_locked` after the idle time, `not_signed_in`
    /// when nobody is. Each successful call counts as activity.
    pub fn actor(&self) -> Result<Actor, DeskError> {
        self.session_check(true)
    }

    /// Whether a signed-in session has been idle too long, without counting the question as
    /// activity (the status the UI reads on every reload).
    pub fn is_idle(&self) -> bool {
        matches!(
            self.session_check(false),
            Err(DeskError::Fault(f)) if f.code == Code::SessionLocked
        )
    }

    fn session_check(&self, activity: bool) -> Result<Actor, DeskError> {
        let limit = self.idle_limit();
        let mut session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let Some(s) = session.as_mut() else {
            return Err(self.simple_fault(Code::NotSignedIn, "err-not-signed-in"));
        };
        let now = self.clock.now();
        if now - s.last_activity > limit {
            return Err(self.simple_fault(Code::SessionLocked, "err-session-locked"));
        }
        if activity {
            s.last_activity = now;
        }
        Ok(s.actor.clone())
    }

    /// The signed-in person, even while the session is locked (to name them on the lock
    /// screen).
    pub fn session_actor(&self) -> Option<Actor> {
        self.session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|s| s.actor.clone())
    }

    /// Resumes a locked session with the same person's password (counted like any sign-in).
    pub fn resume(&self, password: &str) -> Result<Actor, DeskError> {
        let actor = self
            .session_actor()
            .ok_or_else(|| self.simple_fault(Code::NotSignedIn, "err-not-signed-in"))?;
        self.store()?
            .confirm_password(&actor, password, &self.clock)?;
        self.set_session(Some(actor.clone()));
        Ok(actor)
    }

    /// Runs one sync if this desk is enrolled; failures are recorded for the status line.
    pub fn sync_once(&self) -> Result<(), ariza_sync::SyncError> {
        let Some(store) = self.store.get() else {
            return Ok(());
        };
        if store.enrollment()?.is_none() {
            return Ok(());
        }
        self.engine.sync_once(store).map(|_| ())
    }

    /// Where exports go: `ARIZA_EXPORTS`, else the person's Documents/Ariza, else beside the
    /// database.
    pub fn exports_dir(&self) -> PathBuf {
        if let Some(dir) = std::env::var_os("ARIZA_EXPORTS") {
            return PathBuf::from(dir);
        }
        match dirs::document_dir() {
            Some(docs) => docs.join("Ariza"),
            None => self
                .db
                .parent()
                .map_or_else(|| PathBuf::from("exports"), |p| p.join("exports")),
        }
    }

    /// A day typed in the UI (YYYY-MM-DD), or none for today.
    pub fn parse_day(&self, day: Option<&str>) -> Result<Option<NaiveDate>, DeskError> {
        match day.map(str::trim).filter(|d| !d.is_empty()) {
            None => Ok(None),
            Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| self.simple_fault(Code::Validation, "err-date")),
        }
    }

    pub fn set_session(&self, actor: Option<Actor>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = actor.map(|actor| Session {
            actor,
            last_activity: self.clock.now(),
        });
    }
}
