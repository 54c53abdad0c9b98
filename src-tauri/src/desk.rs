//! The desk's managed state: the store (opened once), who is signed in, and the messages.

use std::path::Path;
use std::sync::Mutex;

use ariza_core::clock::SystemClock;
use ariza_core::error::{Code, Describe, Fault};
use ariza_core::i18n::{Locale, Localizer};
use ariza_core::staff::Actor;
use ariza_store::Store;

pub struct Desk {
    pub store: Store,
    pub engine: ariza_sync::Engine,
    /// One sync at a time: the background loop and "Sync now" share it.
    pub syncing: Mutex<()>,
    pub session: Mutex<Option<Actor>>,
    pub localizer: Localizer,
    pub clock: SystemClock,
}

impl Desk {
    pub fn open(db: &Path) -> anyhow::Result<Desk> {
        Ok(Desk {
            store: Store::open(db)?,
            engine: ariza_sync::Engine::new()?,
            syncing: Mutex::new(()),
            session: Mutex::new(None),
            localizer: Localizer::new(),
            clock: SystemClock,
        })
    }

    pub fn locale(&self) -> Locale {
        self.store.settings().map(|s| s.locale).unwrap_or_default()
    }

    /// Turns any error into the `{code, message}` the UI shows, in the desk's language.
    pub fn fault(&self, err: &dyn Describe) -> Fault {
        if err.code() == Code::Storage || err.code() == Code::Internal {
            tracing::error!(error = %err, "command failed");
        }
        Fault::from_error(err, &self.localizer, self.locale())
    }

    /// The signed-in staff member, or the `not_signed_in` fault.
    pub fn actor(&self) -> Result<Actor, Fault> {
        let session = self.session.lock().unwrap_or_else(|p| p.into_inner());
        session.clone().ok_or_else(|| Fault {
            code: Code::NotSignedIn,
            message: self.localizer.tr(self.locale(), "err-not-signed-in", &[]),
            fields: Vec::new(),
        })
    }

    /// Runs one sync if this desk is enrolled; failures are recorded for the status line.
    pub fn sync_once(&self) -> Result<(), ariza_sync::SyncError> {
        let _one_at_a_time = self.syncing.lock().unwrap_or_else(|p| p.into_inner());
        if self.store.enrollment()?.is_none() {
            return Ok(());
        }
        self.engine.sync_once(&self.store).map(|_| ())
    }

    pub fn set_session(&self, actor: Option<Actor>) {
        *self.session.lock().unwrap_or_else(|p| p.into_inner()) = actor;
    }
}
