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

/// The OS's app-data folders. On Windows they differ: the roaming one
/// (`%APPDATA%`) is copied to a domain's file server at every sign-out and onto every PC the
/// person signs in to, which would spread the encrypted database (and, without a keyring, the
/// device key file beside it) across the district; the local one (`%LOCALAPPDATA%`) stays on
/// this machine. On Linux and macOS both are the same folder.
struct DataFolders {
    local: Option<PathBuf>,
    /// Read by no rule: given so that the choice against it is explicit and tested.
    #[allow(dead_code)]
    roaming: Option<PathBuf>,
}

impl DataFolders {
    fn of_this_system() -> DataFolders {
        DataFolders {
            local: dirs::data_local_dir(),
            roaming: dirs::data_dir(),
        }
    }
}

/// The database to open: `explicit` (the `--db` option), else the environment variable
/// `ARIZA_DB`, else `<local app-data>/uz.ariza.desk/ariza.db` (on Windows
/// `%LOCALAPPDATA%`, never the roaming folder). An empty path or variable counts as not
/// given: an empty path is never a database the user meant.
pub fn database_path(explicit: Option<PathBuf>) -> Result<PathBuf, NoDataFolder> {
    database_path_from(
        explicit,
        std::env::var_os("ARIZA_DB"),
        DataFolders::of_this_system(),
    )
}

fn database_path_from(
    explicit: Option<PathBuf>,
    env: Option<std::ffi::OsString>,
    folders: DataFolders,
) -> Result<PathBuf, NoDataFolder> {
    if let Some(p) = explicit.filter(|p| !p.as_os_str().is_empty()) {
        return Ok(p);
    }
    if let Some(p) = env.filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let base = folders.local.ok_or(NoDataFolder)?;
    Ok(base.join(APP_FOLDER).join(FILE_NAME))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(dir: &str) -> DataFolders {
        DataFolders {
            local: Some(PathBuf::from(dir)),
            roaming: Some(PathBuf::from(dir)),
        }
    }

    #[test]
    fn the_option_wins_then_the_variable_then_the_app_data_folder() {
        let data = same("/data");
        let env = Some(std::ffi::OsString::from("/env/desk.db"));
        assert_eq!(
            database_path_from(Some("/opt/desk.db".into()), env.clone(), same("/data")),
            Ok(PathBuf::from("/opt/desk.db"))
        );
        assert_eq!(
            database_path_from(None, env, same("/data")),
            Ok(PathBuf::from("/env/desk.db"))
        );
        assert_eq!(
            database_path_from(Some(PathBuf::new()), Some("".into()), data),
            Ok(PathBuf::from("/data/uz.ariza.desk/ariza.db"))
        );
        let none = DataFolders {
            local: None,
            roaming: Some(PathBuf::from("/roaming")),
        };
        assert_eq!(database_path_from(None, None, none), Err(NoDataFolder));
    }

    #[test]
    fn the_database_goes_in_the_local_app_data_folder_never_the_roaming_one() {
        // Windows' two folders, as `dirs` gives them there.
        let windows = DataFolders {
            local: Some(PathBuf::from(r"C:\Users\aziza\AppData\Local")),
            roaming: Some(PathBuf::from(r"C:\Users\aziza\AppData\Roaming")),
        };
        assert_eq!(
            database_path_from(None, None, windows),
            Ok(PathBuf::from(r"C:\Users\aziza\AppData\Local")
                .join("uz.ariza.desk")
                .join("ariza.db"))
        );
    }
}
