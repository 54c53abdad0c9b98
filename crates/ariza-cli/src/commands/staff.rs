//! `ariza staff`: accounts, roles, passwords.

use ariza_core::staff::{NewStaff, Role};
use ariza_store::Store;

use super::Ctx;
use crate::acting::{ActAs, Secret, password};
use crate::failure::Failure;
use crate::values::RoleArg;

#[derive(clap::Subcommand)]
pub enum StaffCommand {
    /// Adds a staff member (their password: ARIZA_NEW_PASSWORD or a prompt).
    Add {
        username: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: RoleArg,
        #[command(flatten)]
        act: ActAs,
    },
    /// Every staff member with their role.
    List,
    /// Sets a new password (ARIZA_NEW_PASSWORD or a prompt): one's own (ARIZA_PASSWORD is the
    /// current one), or anyone's as an admin.
    Passwd {
        username: String,
        #[command(flatten)]
        act: ActAs,
    },
    /// Deactivates a staff member, removes their key slot and re-encrypts the database under
    /// a new key (so an old copy of the key file opens nothing of it).
    Remove {
        username: String,
        #[command(flatten)]
        act: ActAs,
    },
}

fn role_name(ctx: &Ctx, role: Role) -> String {
    ctx.out.tr(&format!("role-{}", role.as_str()), &[])
}

pub fn run(ctx: &Ctx, store: &Store, command: StaffCommand) -> Result<(), Failure> {
    match command {
        StaffCommand::Add {
            username,
            name,
            role,
            act,
        } => {
            let actor = act.sign_in(ctx, store)?;
            let pw = password(ctx, Secret::New, &username)?;
            let new = NewStaff {
                username,
                full_name: name,
                role: role.into(),
                password: pw,
            };
            let member = store.add_staff(&actor, &new, &ctx.clock)?;
            ctx.out.show(&member, |m| {
                let role = role_name(ctx, m.role);
                let args = [("username", m.username.clone()), ("role", role)];
                println!("{}", ctx.out.tr("cli-staff-added", &args));
            })
        }
        StaffCommand::List => {
            let staff = store.list_staff()?;
            ctx.out.show(&staff, |staff| {
                for s in staff {
                    let role = role_name(ctx, s.role);
                    println!("{:<20} {:<14} {}", s.username, role, s.full_name);
                }
            })
        }
        StaffCommand::Passwd { username, act } => {
            let current = act.password(ctx)?;
            let actor = store.sign_in(&act.user, &current, &ctx.clock)?;
            let new = password(ctx, Secret::New, &username)?;
            store.change_password(&actor, &username, Some(&current), &new, &ctx.clock)?;
            ctx.out
                .report(&true, "cli-password-changed", &[("username", username)])
        }
        StaffCommand::Remove { username, act } => {
            let actor = act.sign_in(ctx, store)?;
            store.deactivate_staff(&actor, &username, &ctx.clock)?;
            ctx.out.report(
                &true,
                "cli-staff-removed-rekeyed",
                &[("username", username)],
            )
        }
    }
}
