//! Ariza's domain: everything a clerk's work means, with no IO.
//!
//! The store, the desk, the CLI and the portal all go through these types so that a rule
//! (a PINFL check, a legal transition, a tracking number) is written once.

pub mod application;
pub mod audit;
pub mod catalog;
pub mod catalog_diff;
pub mod citizen;
pub mod clock;
pub mod document;
pub mod error;
pub mod form;
pub mod i18n;
pub mod name_fold;
pub mod phone;
pub mod pinfl;
pub mod receipt_code;
pub mod receipt_layout;
pub mod receipt_seal;
pub mod regions;
pub mod request_signing;
pub mod staff;
pub mod tracking;
pub mod translit;
pub mod wire;
pub mod working_days;

pub use error::{Code, Describe, DomainError, Fault, FieldError};
