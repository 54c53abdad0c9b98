//! Where the desk's database lives: one answer for the desk and the CLI, so both open the
//! same file unless told otherwise.

use std::path::PathBuf;

use ariza_core::error::{Code, Describe};
use ariza_core::i18n::MessageArgs;

/// The folder under the OS app-data folder (the desk's bundle identifier).
const APP_FOLDER: &str = "uz.ariza.desk";
const FILE_NAME: &str = "ariza.db";

/// There is no `--db`, no `ARIZA_DB` and no app-data folder to fall back on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("no app-data folder on this system; pass --db or set ARIZA_DB")]
pub struct NoDataFolder;

impl Describe for NoDataFolder {
    fn code(&self) -> Code {
        Code::SetupRequired
    }

    fn message(&self) -> (&'static str, MessageArgs) {
        ("err-no-data-folder", Vec::new())
    }
}

/// The database to open: `explicit` (the `--db` option), else the environment variable
/// `ARIZA_DB`, else `<app-data>/uz.ariza.desk/ariza.db`. An empty path or variable counts
/// as not given: an empty path is never a database the user meant.
pub fn database_path(explicit: Option<PathBuf>) -> Result<PathBuf, NoDataFolder> {
    database_path_from(explicit, std::env::var_os("ARIZA_DB"), dirs::data_dir())
}

fn database_path_from(
    explicit: Option<PathBuf>,
    env: Option<std::ffi::OsString>,
    data_dir: Option<PathBuf>,
) -> Result<PathBuf, NoDataFolder> {
    if let Some(p) = explicit.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(p);
    }
    if let Some(p) = env.filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let base = data_dir.ok_or(NoDataFolder)?;
    Ok(base.join(APP_FOLDER).join(FILE_NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_option_wins_then_the_variable_then_the_app_data_folder() {
        let data = Some(PathBuf::from("/data"));
        let env = Some(std::ffi::OsString::from("/env/desk.db"));
        assert_eq!(
            database_path_from(Some("/opt/desk.db".into()), env.clone(), data.clone()),
            Ok(PathBuf::from("/opt/desk.db"))
        );
        assert_eq!(
            database_path_from(None, env, data.clone()),
            Ok(PathBuf::from("/env/desk.db"))
        );
        assert_eq!(
            database_path_from(Some(PathBuf::new()), Some("".into()), data),
            Ok(PathBuf::from("/data/uz.ariza.desk/ariza.db"))
        );
        assert_eq!(database_path_from(None, None, None), Err(NoDataFolder));
    }
}
