//! `ariza settings`: the desk's settings that IT staff set from a shell. Today the one that
//! belongs to administrators: whether the device secret must be in the OS keyring.

use ariza_core::clock::Clock;
use ariza_store::{DeviceKeyLocation, DeviceKeyStore, Store};
use serde::Serialize;

use super::Ctx;
use crate::acting::ActAs;
use crate::failure::Failure;

#[derive(clap::Subcommand)]
pub enum SettingsCommand {
    /// The desk's settings and where its device key is kept.
    Show,
    /// Requires the device key to be in the OS keyring (administrators): with `on`, a key
    /// in a file is never used or written; the desk then opens only with a staff password
    /// until a keyring answers.
    RequireKeyring {
        #[arg(value_enum)]
        value: OnOff,
        #[command(flatten)]
        act: ActAs,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnOff {
    On,
    Off,
}

#[derive(Serialize)]
struct Shown {
    #[serde(flatten)]
    desk: ariza_store::DeskSettings,
    require_os_keyring: bool,
    device_key: Option<DeviceKeyLocation>,
}

/// The Fluent key saying where the device key is kept.
fn location_key(location: Option<DeviceKeyLocation>) -> &'static str {
    match location {
        Some(DeviceKeyLocation::Keyring) => "doctor-key-keyring",
        Some(DeviceKeyLocation::File) => "doctor-key-file",
        Some(DeviceKeyLocation::FileBecauseNoKeyring) => "doctor-key-file-no-keyring",
        None => "doctor-key-none",
    }
}

pub fn run(
    ctx: &Ctx,
    store: &Store,
    device: &DeviceKeyStore,
    command: SettingsCommand,
) -> Result<(), Failure> {
    match command {
        SettingsCommand::Show => {
            let shown = Shown {
                desk: store.settings()?,
                require_os_keyring: store.require_os_keyring()?,
                device_key: store.device_key(),
            };
            ctx.out.show(&shown, |s| {
                let tr = |key: &str| ctx.out.tr(key, &[]);
                println!("{}: {}", tr("ui-settings-language"), s.desk.locale.tag());
                println!("{}: {}", tr("ui-idle-minutes"), s.desk.idle_lock_minutes);
                let required = if s.require_os_keyring {
                    "ui-yes"
                } else {
                    "ui-no"
                };
                println!("{}: {}", tr("cli-require-keyring"), tr(required));
                println!("{}", tr(location_key(s.device_key)));
            })
        }
        SettingsCommand::RequireKeyring { value, act } => {
            let actor = act.sign_in(ctx, store)?;
            let required = value == OnOff::On;
            let kept = store.set_require_os_keyring(&actor, required, device, ctx.clock.now())?;
            let key = match (required, kept) {
                (false, _) => "cli-keyring-not-required",
                (true, Some(DeviceKeyLocation::Keyring)) => "cli-keyring-required",
                (true, _) => "cli-keyring-required-none-answered",
            };
            ctx.out.report(
                &Shown {
                    desk: store.settings()?,
                    require_os_keyring: required,
                    device_key: kept,
                },
                key,
                &[],
            )
        }
    }
}
