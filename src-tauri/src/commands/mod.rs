//! The desk's commands, one file per concern. Each takes its arguments, runs off the window's
//! thread ([`off_main`]) and calls the store or the engine; its body ends in `?`.
//!
//! [`handler`] is the one list of commands: Tauri registers it, and the bindings test
//! (`bindings.rs`) reads the same list to write the UI's typed functions.

pub mod applications;
#[cfg(test)]
mod bindings;
pub mod bundle;
pub mod citizens;
pub mod dashboard;
pub mod documents;
pub mod drafts;
pub mod queues;
pub mod session;
pub mod settings;
pub mod staff;
pub mod supervision;
pub mod sync;
pub mod update;

use ariza_core::error::{Code, Fault};
use ariza_core::i18n::Localizer;
use tauri::{AppHandle, Manager};

use crate::desk::Desk;
use crate::error::{DeskError, Reply};

/// Every command the UI may call.
pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        session::desk_status,
        session::setup_desk,
        session::sign_in,
        session::sign_out,
        session::touch_session,
        session::resume_session,
        citizens::regions,
        citizens::find_citizens,
        citizens::register_citizen,
        citizens::likely_duplicates,
        citizens::get_citizen,
        citizens::merge_citizens,
        applications::catalog,
        applications::file_application,
        applications::list_applications,
        applications::get_application,
        applications::cancel_application,
        applications::print_receipt,
        documents::store_scan,
        documents::scan_thumbnail,
        documents::application_documents,
        documents::attach_document,
        documents::service_rules,
        documents::set_service_rule,
        documents::scanner_tray,
        drafts::save_draft,
        drafts::drafts,
        drafts::get_draft,
        drafts::discard_draft,
        supervision::reassign,
        supervision::send_back,
        supervision::answer_sent_back,
        supervision::hand_over,
        supervision::retry_delivery,
        queues::queue_counts,
        queues::queue,
        dashboard::dashboard,
        dashboard::export_dashboard,
        sync::sync_status,
        sync::sync_now,
        sync::enroll_desk,
        bundle::export_bundle,
        bundle::import_bundle,
        staff::list_staff,
        staff::add_staff,
        settings::save_settings,
        update::update_status,
        update::check_for_update,
        update::install_update,
        update::install_update_from_file,
        update::restart_desk,
    ]
}

/// Runs a command's work on the blocking pool, never on the window's thread: a sync over a
/// slow link, a password hash or a big query must not freeze the screen. The error is
/// translated here, once, in the desk's language.
pub async fn off_main<T: Send + 'static>(
    app: AppHandle,
    work: impl FnOnce(&Desk) -> Result<T, DeskError> + Send + 'static,
) -> Reply<T> {
    let joined = tauri::async_runtime::spawn_blocking(move || {
        let desk = app.state::<Desk>();
        work(&desk).map_err(|e| desk.translate(e))
    })
    .await;
    joined.unwrap_or_else(|e| {
        // A panic in a command is a bug; the clerk gets the generic message, the log the rest.
        tracing::error!(error = %e, "command worker failed");
        let localizer = Localizer::new();
        Err(Fault {
            code: Code::Internal,
            message: localizer.tr(Default::default(), "err-internal", &[]),
            fields: Vec::new(),
        })
    })
}
