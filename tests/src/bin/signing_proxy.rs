//! A signing proxy for schemathesis: enrolls a device with the portal, then forwards every
//! request to the portal, signing with that device's key (the sync engine's own signer,
//! `ariza_sync::transport::sign`) each request that arrives with `x-ariza-signature:
//! signed-by-the-proxy` — schemathesis sends it as the `device` API key
//! (scripts/schemathesis.toml). Any other request passes as it came, so the checks that leave
//! credentials out or send invalid ones still see the portal refuse them.
//! Usage: signing-proxy PORTAL_URL LISTEN_ADDRESS ENROLL_CODE

use std::sync::{Arc, OnceLock};

use anyhow::Context;
use ariza_core::request_signing::{
    DEVICE_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
};
use ariza_core::wire::{EnrollRequest, EnrollResponse};
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;

/// The API key value that asks the proxy to sign.
const SIGN_ME: &str = "signed-by-the-proxy";

struct Device {
    portal: String,
    id: String,
    key: String,
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: signing-proxy PORTAL_URL LISTEN_ADDRESS ENROLL_CODE";
    let portal = args.next().context(usage)?;
    let listen = args.next().context(usage)?;
    let code = args.next().context(usage)?;
    let (key, public_key) = ariza_sync::new_device_key();
    let enrolled: EnrollResponse = reqwest::blocking::Client::new()
        .post(format!("{portal}/api/v1/enroll"))
        .json(&EnrollRequest {
            code,
            device_name: "schemathesis".into(),
            public_key,
            bundle_recipient: None,
        })
        .send()?
        .error_for_status()?
        .json()?;
    let device = Arc::new(Device {
        portal,
        id: enrolled.device_id.to_string(),
        key,
    });
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(async move {
            let listener = tokio::net::TcpListener::bind(&listen).await?;
            println!("listening");
            let app = axum::Router::new()
                .fallback(forward)
                .layer(axum::extract::DefaultBodyLimit::disable())
                .with_state(device);
            axum::serve(listener, app).await?;
            Ok(())
        })
}

async fn forward(State(device): State<Arc<Device>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => return answer(StatusCode::BAD_GATEWAY, e.to_string()),
    };
    let sent = tokio::task::spawn_blocking(move || send(&device, &parts, &bytes)).await;
    match sent {
        Ok(Ok(response)) => response,
        Ok(Err(e)) => answer(StatusCode::BAD_GATEWAY, e.to_string()),
        Err(e) => answer(StatusCode::BAD_GATEWAY, e.to_string()),
    }
}

fn answer(status: StatusCode, text: String) -> Response {
    let mut r = Response::new(Body::from(text));
    *r.status_mut() = status;
    r
}

fn send(
    device: &Device,
    parts: &axum::http::request::Parts,
    body: &[u8],
) -> anyhow::Result<Response> {
    static CLIENT: OnceLock<reqwest::blocking::Client> = OnceLock::new();
    let client = CLIENT.get_or_init(|| {
        reqwest::blocking::Client::builder()
            .no_gzip()
            .no_zstd()
            .build()
            .unwrap_or_default()
    });
    let path = parts
        .uri
        .path_and_query()
        .map_or(parts.uri.path(), |p| p.as_str());
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes())?;
    let mut request = client.request(method, format!("{}{path}", device.portal));
    let sign = parts
        .headers
        .get(SIGNATURE_HEADER)
        .is_some_and(|v| v.as_bytes() == SIGN_ME.as_bytes());
    let mut skipped = vec!["host", "content-length", "connection", "transfer-encoding"];
    if sign {
        skipped.extend([
            DEVICE_HEADER,
            TIMESTAMP_HEADER,
            NONCE_HEADER,
            SIGNATURE_HEADER,
        ]);
    }
    for (name, value) in &parts.headers {
        if !skipped.contains(&name.as_str()) {
            request = request.header(name.as_str(), value.as_bytes());
        }
    }
    request = request.body(body.to_vec());
    let mut request = request.build()?;
    if sign {
        ariza_sync::transport::sign(
            &mut request,
            &device.id,
            &device.key,
            chrono::Utc::now().timestamp_millis(),
        )?;
    }
    let upstream = client.execute(request)?;
    let mut response = Response::new(Body::empty());
    *response.status_mut() = StatusCode::from_u16(upstream.status().as_u16())?;
    for (name, value) in upstream.headers() {
        if ["content-length", "connection", "transfer-encoding"].contains(&name.as_str()) {
            continue;
        }
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_str().as_bytes())?,
            HeaderValue::from_bytes(value.as_bytes())?,
        );
    }
    *response.body_mut() = Body::from(upstream.bytes()?);
    Ok(response)
}
