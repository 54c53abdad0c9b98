//! The desk's one error type. Command bodies end in `?`: the store's, the engine's and the
//! core's errors convert into [`DeskError`], and the edge ([`crate::commands::off_main`])
//! translates it once into the `{code, message}` the UI branches on.

use ariza_core::error::{Describe, DomainError, Fault};
use ariza_store::StoreError;
use ariza_sync::SyncError;

/// What the UI receives from every command.
pub type Reply<T> = Result<T, Fault>;

#[derive(Debug)]
pub enum DeskError {
    /// Already in the desk's language (the session checks answer this way).
    Fault(Fault),
    /// Described by the layer that failed; translated at the edge.
    Described(Box<dyn DescribeSend>),
}

/// A describable error that may cross to the thread that translates it.
pub trait DescribeSend: Describe + std::fmt::Debug + Send + Sync {}
impl<E: Describe + std::fmt::Debug + Send + Sync> DescribeSend for E {}

impl From<Fault> for DeskError {
    fn from(f: Fault) -> Self {
        DeskError::Fault(f)
    }
}

impl From<StoreError> for DeskError {
    fn from(e: StoreError) -> Self {
        DeskError::Described(Box::new(e))
    }
}

impl From<SyncError> for DeskError {
    fn from(e: SyncError) -> Self {
        DeskError::Described(Box::new(e))
    }
}

impl From<DomainError> for DeskError {
    fn from(e: DomainError) -> Self {
        DeskError::Described(Box::new(e))
    }
}

impl From<ariza_receipt::desk::DeskReceiptError> for DeskError {
    fn from(e: ariza_receipt::desk::DeskReceiptError) -> Self {
        DeskError::Described(Box::new(e))
    }
}

impl From<ariza_release::ReleaseError> for DeskError {
    fn from(e: ariza_release::ReleaseError) -> Self {
        DeskError::Described(Box::new(e))
    }
}

impl From<ariza_export::ExportError> for DeskError {
    fn from(e: ariza_export::ExportError) -> Self {
        DeskError::Described(Box::new(e))
    }
}
