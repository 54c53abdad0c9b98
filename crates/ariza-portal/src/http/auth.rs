//! Who is calling, one extractor per kind of caller: a device (every request signed with its
//! enrollment key), an operator, or an agency's staff (a session's bearer token, from
//! `POST /api/v1/session`). Each refuses with the documented `{code, message}` before the
//! handler runs.

use ariza_core::request_signing::{
    DEVICE_HEADER, NONCE_HEADER, SIGNATURE_HEADER, SignedParts, TIMESTAMP_HEADER,
};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, Uri, header};
use serde::de::DeserializeOwned;

use crate::ops::devices::{Device, SignedRequest, authenticate};
use crate::ops::sessions;
use crate::ops::users::{AGENCY, OPERATOR, PortalUser, require_role, scope};
use crate::{Portal, PortalError};

async fn signed_device(
    portal: &Portal,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Device, PortalError> {
    let value = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let path_and_query = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    // HTTP/1.1 names the host in its header, HTTP/2 in the request's authority. A reverse
    // proxy in front of the portal must pass it on unchanged (nginx: `proxy_set_header Host
    // $host`), or no device request verifies.
    let host = value(header::HOST.as_str())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or_default();
    authenticate(
        portal,
        &SignedRequest {
            device: value(DEVICE_HEADER),
            timestamp: value(TIMESTAMP_HEADER),
            nonce: value(NONCE_HEADER),
            signature: value(SIGNATURE_HEADER),
            parts: SignedParts {
                method: method.as_str(),
                host,
                path_and_query,
                content_encoding: value(header::CONTENT_ENCODING.as_str()).unwrap_or_default(),
                body,
            },
        },
    )
    .await
}

/// A device's request without a body (GET): the signature covers an empty body.
pub(crate) struct DeviceCaller(pub Device);

impl FromRequestParts<Portal> for DeviceCaller {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, portal: &Portal) -> Result<Self, PortalError> {
        let device = signed_device(portal, &parts.method, &parts.uri, &parts.headers, b"").await?;
        Ok(DeviceCaller(device))
    }
}

/// A device's signed JSON body (plain, gzip or zstd): the signature is checked over the
/// bytes as sent, before anything is decompressed or parsed.
pub(crate) struct SignedJson<T> {
    pub device: Device,
    pub body: T,
}

impl<T: DeserializeOwned> FromRequest<Portal> for SignedJson<T> {
    type Rejection = PortalError;

    async fn from_request(req: Request, portal: &Portal) -> Result<Self, PortalError> {
        let (parts, body) = req.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), portal).await?;
        let device =
            signed_device(portal, &parts.method, &parts.uri, &parts.headers, &bytes).await?;
        let body = super::decode::compressed_json(&parts.headers, &bytes)?;
        Ok(SignedJson { device, body })
    }
}

/// A device's signed raw body (a chunk of an upload), as sent: nothing is decompressed.
pub(crate) struct SignedBytes {
    pub device: Device,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl FromRequest<Portal> for SignedBytes {
    type Rejection = PortalError;

    async fn from_request(req: Request, portal: &Portal) -> Result<Self, PortalError> {
        let (parts, body) = req.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), portal).await?;
        let device =
            signed_device(portal, &parts.method, &parts.uri, &parts.headers, &bytes).await?;
        Ok(SignedBytes {
            device,
            headers: parts.headers,
            body: bytes,
        })
    }
}

/// The token from `Authorization: Bearer …` (the scheme's name in any case, RFC 9110).
/// Anything else — no header, HTTP Basic, another scheme — is `Unauthorized`.
fn bearer_token(headers: &HeaderMap) -> Result<&str, PortalError> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or(PortalError::Unauthorized)?;
    let (scheme, token) = value.split_once(' ').ok_or(PortalError::Unauthorized)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(PortalError::Unauthorized);
    }
    Ok(token.trim())
}

/// Any signed-in portal user, and the token they came with (to sign out).
pub(crate) struct SessionCaller {
    pub user: PortalUser,
    pub token: String,
}

impl FromRequestParts<Portal> for SessionCaller {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, portal: &Portal) -> Result<Self, PortalError> {
        let token = bearer_token(&parts.headers)?;
        let user = sessions::authenticate(portal, token).await?;
        Ok(SessionCaller {
            user,
            token: token.to_string(),
        })
    }
}

/// A signed-in portal operator (the online channel's integration is one).
pub(crate) struct OperatorCaller(pub PortalUser);

impl FromRequestParts<Portal> for OperatorCaller {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, portal: &Portal) -> Result<Self, PortalError> {
        let user = sessions::authenticate(portal, bearer_token(&parts.headers)?).await?;
        require_role(&user, &[OPERATOR])?;
        Ok(OperatorCaller(user))
    }
}

/// An agency's staff, limited to the services their agency decides — or an operator, who
/// acts for every agency (`only_services` is `None`).
pub(crate) struct AgencyCaller {
    pub user: PortalUser,
    pub only_services: Option<Vec<String>>,
}

impl FromRequestParts<Portal> for AgencyCaller {
    type Rejection = PortalError;

    async fn from_request_parts(parts: &mut Parts, portal: &Portal) -> Result<Self, PortalError> {
        let user = sessions::authenticate(portal, bearer_token(&parts.headers)?).await?;
        require_role(&user, &[AGENCY, OPERATOR])?;
        let only_services = scope(portal, &user).await?;
        Ok(AgencyCaller {
            user,
            only_services,
        })
    }
}
