//! A submitted HTML form (`application/x-www-form-urlencoded`), read whole: repeated names
//! (the queue's checkboxes) are kept, and nothing is parsed into a type before the handler
//! says which fields it wants.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header;

use crate::{Portal, PortalError};

/// A form is small: names, a reason, a few hundred ids at most.
const MAX_FORM_BYTES: usize = 256 * 1024;

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
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(PortalError::UnsupportedMediaType(
                "a form is application/x-www-form-urlencoded".into(),
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
