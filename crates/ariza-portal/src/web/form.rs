//! A submitted HTML form, read whole: `application/x-www-form-urlencoded`, or
//! `multipart/form-data` when it carries a file (a catalog upload; its text is the field's
//! value). Repeated names (the queue's checkboxes) are kept, and nothing is parsed into a
//! type before the handler says which fields it wants.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;

use crate::{Portal, PortalError};

/// A form is small: names, a reason, a few hundred ids, a catalog of a few hundred services.
const MAX_FORM_BYTES: usize = 1024 * 1024;

#[derive(Debug, Default)]
pub(crate) struct WebForm {
    fields: Vec<(String, String)>,
}

impl WebForm {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn parse(bytes: &[u8]) -> WebForm {
        WebForm {
            fields: form_urlencoded::parse(bytes).into_owned().collect(),
        }
    }
}

impl FromRequest<Portal> for WebForm {
    type Rejection = PortalError;

    async fn from_request(req: Request, portal: &Portal) -> Result<Self, PortalError> {
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        if content_type.starts_with("multipart/form-data") {
            return multipart(req, portal).await;
        }
        if !content_type.starts_with("application/x-www-form-urlencoded") {
            return Err(PortalError::UnsupportedMediaType(
                "a form is application/x-www-form-urlencoded or multipart/form-data".into(),
            ));
        }
        let bytes = Bytes::from_request(req, portal)
            .await
            .map_err(|_| PortalError::TooLarge)?;
        if bytes.len() > MAX_FORM_BYTES {
            return Err(PortalError::TooLarge);
        }
        Ok(WebForm::parse(&bytes))
    }
}

/// Every part as text; a file that is not UTF-8 is refused (the only file a page takes is a
/// catalog in JSON).
async fn multipart(req: Request, portal: &Portal) -> Result<WebForm, PortalError> {
    let bad = |_| PortalError::BadRequest("a multipart form that does not parse".into());
    let mut parts = Multipart::from_request(req, portal).await.map_err(bad)?;
    let mut form = WebForm::default();
    let mut total = 0;
    while let Some(field) = parts
        .next_field()
        .await
        .map_err(|_| PortalError::TooLarge)?
    {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(|_| PortalError::TooLarge)?;
        total += bytes.len();
        if total > MAX_FORM_BYTES {
            return Err(PortalError::TooLarge);
        }
        let text = String::from_utf8(bytes.to_vec())
            .map_err(|_| PortalError::BadRequest("a form field that is not UTF-8".into()))?;
        form.fields.push((name, text));
    }
    Ok(form)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_are_kept_in_order() {
        let f = WebForm::parse(b"csrf=x&id=a&id=b&reason=ko%CA%BBp+gap");
        assert_eq!(f.get("csrf"), Some("x"));
        assert_eq!(f.all("id"), ["a", "b"]);
        assert_eq!(f.get("reason"), Some("koʻp gap"));
        assert_eq!(f.get("none"), None);
    }
}
