//! Tauri commands: take state and arguments, call one store function, map the error to a
//! translated `{code, message}`. No logic lives here.

use ariza_core::application::{Application, ApplicationSummary, FileRequest};
use ariza_core::catalog::Catalog;
use ariza_core::citizen::{Citizen, CitizenInput};
use ariza_core::clock::Clock;
use ariza_core::error::Fault;
use ariza_core::regions::Region;
use ariza_core::staff::Action;
use ariza_core::staff::{Actor, NewStaff, StaffMember};
use ariza_export::ExportFormat;
use ariza_store::dashboard::{Dashboard, Period};
use ariza_store::{
    Center, CitizenMatch, DeskSettings, Draft, DraftInput, FilingOrigin, ListFilter, QueueCounts,
    QueueFilter, QueueItem, QueueKind, SetupRequest, SyncStatus,
};
use serde::Serialize;
use tauri::State;
use ts_rs::TS;

use crate::desk::Desk;

type Reply<T> = Result<T, Fault>;

/// Everything the UI needs to choose its first screen.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct DeskStatus {
    /// The database waits for a staff member's password (this device's key is missing).
    pub locked: bool,
    /// Someone is signed in but idle too long: their password resumes the session.
    pub session_locked: bool,
    pub center: Option<Center>,
    pub actor: Option<Actor>,
    pub settings: DeskSettings,
    /// Today in Tashkent, YYYY-MM-DD.
    pub today: String,
    #[ts(type = "number")]
    pub backlog: i64,
    pub database: String,
}

#[tauri::command]
pub fn desk_status(desk: State<'_, Desk>) -> Reply<DeskStatus> {
    let Ok(store) = desk.store() else {
        return Ok(DeskStatus {
            locked: true,
            session_locked: false,
            center: None,
            actor: None,
            settings: DeskSettings::default(),
            today: desk.clock.today().format("%Y-%m-%d").to_string(),
            backlog: 0,
            database: desk.db_path().display().to_string(),
        });
    };
    let session_actor = desk.session_actor();
    let session_locked = desk.is_idle();
    Ok(DeskStatus {
        locked: false,
        session_locked,
        center: store.center().map_err(|e| desk.fault(&e))?,
        actor: session_actor,
        settings: store.settings().map_err(|e| desk.fault(&e))?,
        today: desk.clock.today().format("%Y-%m-%d").to_string(),
        backlog: store.outbox_backlog().map_err(|e| desk.fault(&e))?,
        database: store.path().display().to_string(),
    })
}

#[tauri::command]
pub fn setup_desk(desk: State<'_, Desk>, req: SetupRequest) -> Reply<Actor> {
    let actor = desk
        .store()?
        .setup(&req, &desk.clock)
        .map_err(|e| desk.fault(&e))?;
    desk.set_session(Some(actor.clone()));
    Ok(actor)
}

#[tauri::command]
pub fn sign_in(desk: State<'_, Desk>, username: String, password: String) -> Reply<Actor> {
    desk.sign_in(&username, &password)
}

/// The person is active (typing, clicking): keeps the idle lock away.
#[tauri::command]
pub fn touch_session(desk: State<'_, Desk>) -> Reply<()> {
    desk.touch()
}

/// Resumes a session locked for idleness, with the same person's password.
#[tauri::command]
pub fn resume_session(desk: State<'_, Desk>, password: String) -> Reply<Actor> {
    desk.resume(&password)
}

#[tauri::command]
pub fn sign_out(desk: State<'_, Desk>) -> Reply<()> {
    desk.set_session(None);
    Ok(())
}

#[tauri::command]
pub fn regions() -> Reply<Vec<Region>> {
    Ok(ariza_core::regions::all())
}

#[tauri::command]
pub fn catalog(desk: State<'_, Desk>) -> Reply<Catalog> {
    desk.actor()?;
    desk.store()?
        .catalog()
        .map(|c| c.as_ref().clone())
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn find_citizens(desk: State<'_, Desk>, query: String) -> Reply<Vec<CitizenMatch>> {
    desk.actor()?;
    desk.store()?
        .find_citizens(&query, 20)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn register_citizen(desk: State<'_, Desk>, input: CitizenInput) -> Reply<Citizen> {
    let actor = desk.actor()?;
    desk.store()?
        .register_citizen(&actor, &input, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn get_citizen(desk: State<'_, Desk>, id: i64) -> Reply<Citizen> {
    let actor = desk.actor()?;
    desk.store()?
        .open_citizen(&actor, id, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

/// Files the clerk's form; from a draft (`draft`), or as the correction of an application the
/// portal set aside or an agency returned (`replaces`).
#[tauri::command]
pub fn file_application(
    desk: State<'_, Desk>,
    req: FileRequest,
    draft: Option<String>,
    replaces: Option<String>,
) -> Reply<Application> {
    let actor = desk.actor()?;
    let origin = match (&draft, &replaces) {
        (_, Some(old)) => FilingOrigin::Correction(old),
        (Some(d), None) => FilingOrigin::Draft(d),
        (None, None) => FilingOrigin::Fresh,
    };
    desk.store()?
        .file_application_from(&actor, &req, origin, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn save_draft(desk: State<'_, Desk>, draft: DraftInput) -> Reply<Draft> {
    let actor = desk.actor()?;
    desk.store()?
        .save_draft(&actor, &draft, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn drafts(desk: State<'_, Desk>, filter: QueueFilter) -> Reply<Vec<Draft>> {
    let actor = desk.actor()?;
    desk.store()?
        .drafts(&actor, &filter)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn get_draft(desk: State<'_, Desk>, id: String) -> Reply<Draft> {
    let actor = desk.actor()?;
    desk.store()?.draft(&actor, &id).map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn discard_draft(desk: State<'_, Desk>, id: String) -> Reply<()> {
    let actor = desk.actor()?;
    desk.store()?
        .discard_draft(&actor, &id, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn reassign(desk: State<'_, Desk>, key: String, clerk: String) -> Reply<Application> {
    let actor = desk.actor()?;
    desk.store()?
        .reassign(&actor, &key, &clerk, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn send_back(desk: State<'_, Desk>, key: String, note: String) -> Reply<Application> {
    let actor = desk.actor()?;
    desk.store()?
        .send_back(&actor, &key, &note, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn answer_sent_back(desk: State<'_, Desk>, key: String, answer: String) -> Reply<Application> {
    let actor = desk.actor()?;
    desk.store()?
        .answer_sent_back(&actor, &key, &answer, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn dashboard(desk: State<'_, Desk>, period: Period, day: Option<String>) -> Reply<Dashboard> {
    let actor = desk.actor()?;
    let day = desk.parse_day(day.as_deref())?;
    desk.store()?
        .dashboard(&actor, period, day, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

/// Writes the dashboard as CSV, XLSX or a printable HTML report into the exports folder and
/// returns the file's path.
#[tauri::command]
pub fn export_dashboard(
    desk: State<'_, Desk>,
    period: Period,
    day: Option<String>,
    format: ExportFormat,
) -> Reply<String> {
    let actor = desk.actor()?;
    let day = desk.parse_day(day.as_deref())?;
    desk.export_dashboard(&actor, period, day, format)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn list_applications(
    desk: State<'_, Desk>,
    filter: ListFilter,
) -> Reply<Vec<ApplicationSummary>> {
    desk.actor()?;
    desk.store()?
        .list_applications(&filter)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn get_application(desk: State<'_, Desk>, key: String) -> Reply<Application> {
    let actor = desk.actor()?;
    desk.store()?
        .open_application(&actor, &key, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn cancel_application(
    desk: State<'_, Desk>,
    key: String,
    reason: String,
) -> Reply<Application> {
    let actor = desk.actor()?;
    desk.store()?
        .cancel_application(&actor, &key, &reason, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn queue_counts(desk: State<'_, Desk>, filter: QueueFilter) -> Reply<QueueCounts> {
    let actor = desk.actor()?;
    desk.store()?
        .queue_counts(&actor, &filter, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn queue(desk: State<'_, Desk>, kind: QueueKind, filter: QueueFilter) -> Reply<Vec<QueueItem>> {
    let actor = desk.actor()?;
    desk.store()?
        .queue(&actor, kind, &filter, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn hand_over(desk: State<'_, Desk>, key: String) -> Reply<()> {
    let actor = desk.actor()?;
    desk.store()?
        .mark_handed_over(&actor, &key, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn retry_delivery(desk: State<'_, Desk>, key: String) -> Reply<()> {
    let actor = desk.actor()?;
    desk.store()?
        .retry_delivery(&actor, &key, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn sync_status(desk: State<'_, Desk>) -> Reply<SyncStatus> {
    desk.store()?.sync_status().map_err(|e| desk.fault(&e))
}

/// Runs a sync now. A failed delivery is not an error for the clerk: it is in the status
/// returned (`last_error`), and everything stays queued.
#[tauri::command]
pub fn sync_now(desk: State<'_, Desk>) -> Reply<SyncStatus> {
    desk.actor()?;
    let _ = desk.sync_once();
    desk.store()?.sync_status().map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn enroll_desk(
    desk: State<'_, Desk>,
    portal: String,
    code: String,
    pin: Option<String>,
) -> Reply<SyncStatus> {
    let actor = desk.actor()?;
    actor
        .role
        .require(Action::ManageCenter)
        .map_err(|e| desk.fault(&e))?;
    let name = format!(
        "{} desk",
        desk.store()?
            .require_center()
            .map_err(|e| desk.fault(&e))?
            .code
    );
    desk.engine
        .enroll(desk.store()?, &portal, &code, &name, pin.as_deref())
        .map_err(|e| desk.fault(&e))?;
    let _ = desk.sync_once();
    desk.store()?.sync_status().map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn list_staff(desk: State<'_, Desk>) -> Reply<Vec<StaffMember>> {
    desk.actor()?;
    desk.store()?.list_staff().map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn add_staff(desk: State<'_, Desk>, staff: NewStaff) -> Reply<StaffMember> {
    let actor = desk.actor()?;
    desk.store()?
        .add_staff(&actor, &staff, &desk.clock)
        .map_err(|e| desk.fault(&e))
}

#[tauri::command]
pub fn save_settings(desk: State<'_, Desk>, settings: DeskSettings) -> Reply<DeskSettings> {
    // Allowed before sign-in (the language on the sign-in screen), recorded as the desk's.
    let by = desk
        .session_actor()
        .map_or_else(|| "desk".to_string(), |a| a.username);
    desk.store()?
        .save_settings(&settings, &by, desk.clock.now())
        .map_err(|e| desk.fault(&e))?;
    Ok(settings)
}

/// The typed TypeScript functions for the commands above, generated from the Rust types so
/// the UI cannot call a command with the wrong arguments. `cargo test` rewrites
/// `ui/src/bindings/commands.ts`; CI fails when the committed file differs.
#[cfg(test)]
mod bindings {
    use super::*;
    use ts_rs::TS;

    /// A command: its name, its arguments (name, TypeScript type) and its result type.
    type CommandSignature = (&'static str, Vec<(&'static str, String)>, String);

    fn ts<T: TS>() -> String {
        T::name()
    }

    #[test]
    fn export_command_bindings() {
        let commands: Vec<CommandSignature> = vec![
            ("desk_status", vec![], ts::<DeskStatus>()),
            (
                "setup_desk",
                vec![("req", ts::<SetupRequest>())],
                ts::<Actor>(),
            ),
            (
                "sign_in",
                vec![("username", ts::<String>()), ("password", ts::<String>())],
                ts::<Actor>(),
            ),
            ("sign_out", vec![], "null".into()),
            ("touch_session", vec![], "null".into()),
            (
                "resume_session",
                vec![("password", ts::<String>())],
                ts::<Actor>(),
            ),
            ("regions", vec![], ts::<Vec<Region>>()),
            ("catalog", vec![], ts::<Catalog>()),
            (
                "find_citizens",
                vec![("query", ts::<String>())],
                ts::<Vec<CitizenMatch>>(),
            ),
            (
                "register_citizen",
                vec![("input", ts::<CitizenInput>())],
                ts::<Citizen>(),
            ),
            ("get_citizen", vec![("id", ts::<i32>())], ts::<Citizen>()),
            (
                "file_application",
                vec![
                    ("req", ts::<FileRequest>()),
                    ("draft", "string | null".to_string()),
                    ("replaces", "string | null".to_string()),
                ],
                ts::<Application>(),
            ),
            (
                "save_draft",
                vec![("draft", ts::<DraftInput>())],
                ts::<Draft>(),
            ),
            (
                "drafts",
                vec![("filter", ts::<QueueFilter>())],
                ts::<Vec<Draft>>(),
            ),
            ("get_draft", vec![("id", ts::<String>())], ts::<Draft>()),
            ("discard_draft", vec![("id", ts::<String>())], "null".into()),
            (
                "reassign",
                vec![("key", ts::<String>()), ("clerk", ts::<String>())],
                ts::<Application>(),
            ),
            (
                "send_back",
                vec![("key", ts::<String>()), ("note", ts::<String>())],
                ts::<Application>(),
            ),
            (
                "answer_sent_back",
                vec![("key", ts::<String>()), ("answer", ts::<String>())],
                ts::<Application>(),
            ),
            (
                "dashboard",
                vec![
                    ("period", ts::<Period>()),
                    ("day", "string | null".to_string()),
                ],
                ts::<Dashboard>(),
            ),
            (
                "export_dashboard",
                vec![
                    ("period", ts::<Period>()),
                    ("day", "string | null".to_string()),
                    ("format", ts::<ExportFormat>()),
                ],
                ts::<String>(),
            ),
            (
                "list_applications",
                vec![("filter", ts::<ListFilter>())],
                ts::<Vec<ApplicationSummary>>(),
            ),
            (
                "get_application",
                vec![("key", ts::<String>())],
                ts::<Application>(),
            ),
            (
                "cancel_application",
                vec![("key", ts::<String>()), ("reason", ts::<String>())],
                ts::<Application>(),
            ),
            (
                "queue_counts",
                vec![("filter", ts::<QueueFilter>())],
                ts::<QueueCounts>(),
            ),
            (
                "queue",
                vec![("kind", ts::<QueueKind>()), ("filter", ts::<QueueFilter>())],
                ts::<Vec<QueueItem>>(),
            ),
            ("hand_over", vec![("key", ts::<String>())], "null".into()),
            (
                "retry_delivery",
                vec![("key", ts::<String>())],
                "null".into(),
            ),
            ("sync_status", vec![], ts::<SyncStatus>()),
            ("sync_now", vec![], ts::<SyncStatus>()),
            (
                "enroll_desk",
                vec![
                    ("portal", ts::<String>()),
                    ("code", ts::<String>()),
                    ("pin", "string | null".to_string()),
                ],
                ts::<SyncStatus>(),
            ),
            ("list_staff", vec![], ts::<Vec<StaffMember>>()),
            (
                "add_staff",
                vec![("staff", ts::<NewStaff>())],
                ts::<StaffMember>(),
            ),
            (
                "save_settings",
                vec![("settings", ts::<DeskSettings>())],
                ts::<DeskSettings>(),
            ),
        ];
        let mut imports: Vec<String> = Vec::new();
        let mut body = String::new();
        for (name, args, ret) in &commands {
            for t in args.iter().map(|(_, t)| t).chain(std::iter::once(ret)) {
                let base = t
                    .trim_start_matches("Array<")
                    .trim_end_matches('>')
                    .to_string();
                if base.chars().next().is_some_and(char::is_uppercase)
                    && base != "Array"
                    && !imports.contains(&base)
                {
                    imports.push(base);
                }
            }
            let camel: String = name
                .split('_')
                .enumerate()
                .map(|(i, p)| {
                    if i == 0 {
                        p.to_string()
                    } else {
                        p[..1].to_uppercase() + &p[1..]
                    }
                })
                .collect();
            let params = args
                .iter()
                .map(|(a, t)| format!("{a}: {t}"))
                .collect::<Vec<_>>()
                .join(", ");
            let pass = if args.is_empty() {
                String::new()
            } else {
                format!(
                    ", {{ {} }}",
                    args.iter().map(|(a, _)| *a).collect::<Vec<_>>().join(", ")
                )
            };
            body.push_str(&format!(
                "export function {camel}({params}): Promise<{ret}> {{\n  return invoke<{ret}>(\"{name}\"{pass});\n}}\n\n"
            ));
        }
        imports.sort();
        let mut out = String::from(
            "// Generated by `cargo test -p ariza-desk` from src-tauri/src/commands.rs. Do not edit.\n\n",
        );
        out.push_str("import { invoke } from \"@tauri-apps/api/core\";\n");
        for i in &imports {
            out.push_str(&format!("import type {{ {i} }} from \"./{i}\";\n"));
        }
        out.push('\n');
        out.push_str(&body);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("commands.ts"), out.trim_end().to_string() + "\n").unwrap();
    }
}
