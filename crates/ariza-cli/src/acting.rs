//! Who acts: the `--as USER` argument every command that changes or reveals data takes, and
//! the one password prompt (an environment variable for scripts, else the terminal).

use ariza_core::staff::Actor;
use ariza_store::Store;

use crate::commands::Ctx;
use crate::failure::Failure;

/// The staff member a command acts as; recorded in the history and the audit trail.
#[derive(clap::Args)]
pub struct ActAs {
    /// The staff member acting (their password: ARIZA_PASSWORD or a prompt).
    #[arg(long = "as", value_name = "USER")]
    pub user: String,
}

impl ActAs {
    /// The acting staff member's password.
    pub fn password(&self, ctx: &Ctx) -> Result<String, Failure> {
        password(ctx, Secret::Current, &self.user)
    }

    /// Signs the acting staff member in with their password.
    pub fn sign_in(&self, ctx: &Ctx, store: &Store) -> Result<Actor, Failure> {
        let pw = self.password(ctx)?;
        Ok(store.sign_in(&self.user, &pw, &ctx.clock)?)
    }
}

/// Which password is asked for.
#[derive(Clone, Copy)]
pub enum Secret {
    /// A staff member's password as it is now (ARIZA_PASSWORD).
    Current,
    /// A password being set (ARIZA_NEW_PASSWORD).
    New,
}

/// Reads a password from its environment variable, else prompts for it on the terminal
/// without echo, naming whose it is.
pub fn password(ctx: &Ctx, secret: Secret, username: &str) -> Result<String, Failure> {
    let (var, key) = match secret {
        Secret::Current => ("ARIZA_PASSWORD", "cli-password-prompt"),
        Secret::New => ("ARIZA_NEW_PASSWORD", "cli-new-password-prompt"),
    };
    if let Ok(p) = std::env::var(var) {
        return Ok(p);
    }
    let prompt = ctx.out.tr(key, &[("username", username.to_string())]) + " ";
    rpassword::prompt_password(prompt).map_err(|e| Failure::Other(e.into()))
}
