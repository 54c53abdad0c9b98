//! What a command can fail with, before it is shown to a person (see `output.rs`).

use std::path::Path;

use ariza_core::error::{Code, Describe};

/// A failure to show a person: a described domain/store/sync error, a message of the CLI's
/// own (a Fluent key with its arguments), or something unexpected (shown as is).
pub enum Failure {
    Described(Box<dyn Describe>),
    Message(Code, &'static str, Vec<(&'static str, String)>),
    Other(anyhow::Error),
}

impl<E: Describe + 'static> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Described(Box::new(e))
    }
}

impl Failure {
    /// A file that could not be read or written, named in the message.
    pub fn file(path: &Path, e: std::io::Error) -> Failure {
        Failure::Other(anyhow::anyhow!("{}: {e}", path.display()))
    }
}
