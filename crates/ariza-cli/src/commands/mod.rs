//! One module per concern; each declares its arguments (clap) and runs them against the store.

pub mod applications;
pub mod bundle;
pub mod catalog;
pub mod citizen;
pub mod dashboard;
pub mod doctor;
pub mod documents;
pub mod file;
pub mod queue;
pub mod receipt;
pub mod security;
pub mod settings;
pub mod setup;
pub mod staff;
pub mod supervision;
pub mod sync;
pub mod update;

use ariza_core::clock::SystemClock;

use crate::output::Output;

/// What every command gets: where to print and the clock.
pub struct Ctx {
    pub out: Output,
    pub clock: SystemClock,
}
