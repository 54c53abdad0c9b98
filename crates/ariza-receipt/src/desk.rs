//! A filed application's receipt, from the desk's records: its facts, its QR code sealed with
//! the device's key when the desk is enrolled, in the language the citizen chose at filing.

use ariza_core::i18n::{Locale, Localizer};
use ariza_core::receipt_code::ReceiptCode;
use ariza_core::receipt_layout::ReceiptLayout;
use ariza_core::receipt_seal::{ReceiptClaim, unsealed_text};
use ariza_core::tracking::TrackingNumber;
use ariza_store::{Store, StoreError};
use ed25519_dalek::{Signer, SigningKey};

use crate::{ReceiptError, ReceiptFacts, render};

/// A receipt made for printing.
pub struct Printed {
    pub pdf: Vec<u8>,
    pub layout: ReceiptLayout,
    pub locale: Locale,
    pub tracking_number: String,
    /// What the QR code says.
    pub qr_text: String,
}

#[derive(Debug, thiserror::Error)]
pub enum DeskReceiptError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Receipt(#[from] ReceiptError),
    /// The enrollment's key does not read as one: corruption, never a receipt without a seal.
    #[error("the device key cannot be read")]
    DeviceKey,
}

/// The receipt of the application `key` (id or tracking number). Without `layout`, the
/// desk's setting; without `locale`, the one chosen at filing, else `fallback`.
pub fn receipt(
    store: &Store,
    key: &str,
    layout: Option<ReceiptLayout>,
    locale: Option<Locale>,
    fallback: Locale,
    l10n: &Localizer,
) -> Result<Printed, DeskReceiptError> {
    let app = store.application(key)?;
    let center = store.center()?.ok_or(StoreError::NotSetUp)?;
    let catalog = store.catalog()?;
    let layout = match layout {
        Some(l) => l,
        None => store.settings()?.receipt_layout,
    };
    let locale = locale.or(app.receipt_locale).unwrap_or(fallback);
    let service = catalog.service(&app.service_code);
    let documents = store
        .documents(&app.id.to_string())?
        .iter()
        .map(|d| {
            service
                .and_then(|s| s.documents.iter().find(|r| r.key == d.requirement_key))
                .map_or(d.requirement_key.clone(), |r| {
                    r.name.get(locale).to_string()
                })
        })
        .collect();
    let code = app.receipt_code.as_deref().and_then(ReceiptCode::parse);
    let (qr_text, sealed) = qr(store, &app.tracking_number, code.as_ref())?;
    let facts = ReceiptFacts {
        center_name: center.name,
        center_code: center.code,
        service_name: service.map_or(app.service_code.clone(), |s| s.name.get(locale).to_string()),
        tracking_number: app.tracking_number.as_str().to_string(),
        filed_at: app.filed_at,
        fee_uzs: app.fee_uzs,
        due_date: app.due_date,
        documents,
        clerk_name: app.clerk_name.clone(),
        code: app.receipt_code.clone(),
        qr_text: qr_text.clone(),
        sealed,
    };
    let pdf = render(&facts, layout, locale, l10n)?;
    tracing::info!(application = %app.id, layout = layout.as_str(), locale = locale.tag(), sealed, "receipt made");
    Ok(Printed {
        pdf,
        layout,
        locale,
        tracking_number: facts.tracking_number,
        qr_text,
    })
}

/// The QR code's text: sealed by the device's key once the desk is enrolled (the portal knows
/// that key), else the number and code alone. Whether it is sealed.
fn qr(
    store: &Store,
    tracking: &TrackingNumber,
    code: Option<&ReceiptCode>,
) -> Result<(String, bool), DeskReceiptError> {
    let (Some(enrollment), Some(code)) = (store.enrollment()?, code) else {
        return Ok((
            code.map_or(format!("n={}", tracking.as_str()), |c| {
                unsealed_text(tracking, c)
            }),
            false,
        ));
    };
    let key: [u8; 32] = hex::decode(&enrollment.signing_key)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(DeskReceiptError::DeviceKey)?;
    let claim = ReceiptClaim {
        tracking_number: tracking.clone(),
        code: code.clone(),
        status_url: format!("{}/status", enrollment.portal_url.trim_end_matches('/')),
        device_id: enrollment.device_id,
    };
    let signature = SigningKey::from_bytes(&key).sign(&claim.signing_input());
    Ok((claim.qr_text(&signature.to_bytes()), true))
}

impl ariza_core::error::Describe for DeskReceiptError {
    fn code(&self) -> ariza_core::error::Code {
        match self {
            DeskReceiptError::Store(e) => e.code(),
            DeskReceiptError::Receipt(_) => ariza_core::error::Code::Internal,
            DeskReceiptError::DeviceKey => ariza_core::error::Code::Storage,
        }
    }

    fn message(&self) -> (&'static str, ariza_core::i18n::MessageArgs) {
        match self {
            DeskReceiptError::Store(e) => e.message(),
            DeskReceiptError::Receipt(_) => ("err-receipt-failed", vec![]),
            DeskReceiptError::DeviceKey => (
                "err-stored-corrupt",
                vec![
                    ("table", "sync_state".into()),
                    ("column", "signing_key".into()),
                ],
            ),
        }
    }

    fn field_errors(&self) -> &[ariza_core::error::FieldError] {
        match self {
            DeskReceiptError::Store(e) => e.field_errors(),
            _ => &[],
        }
    }
}
