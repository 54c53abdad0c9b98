//! A device for tests that talk to the portal directly: enrolls with a fresh Ed25519 key and
//! signs requests exactly as the sync engine does (or, on purpose, wrongly).

// A test helper: a failure here is the test failing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use ariza_core::wire::{EnrollRequest, EnrollResponse};
use reqwest::blocking::{Client, Request, RequestBuilder};

pub struct TestDevice {
    pub id: String,
    pub key: String,
    pub public_key: String,
    pub enrollment: EnrollResponse,
}

pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl TestDevice {
    pub fn enroll(client: &Client, base: &str, code: &str) -> TestDevice {
        let (key, public_key) = ariza_sync::new_device_key();
        let resp = client
            .post(format!("{base}/api/v1/enroll"))
            .json(&EnrollRequest {
                code: code.to_string(),
                device_name: "test".into(),
                public_key: public_key.clone(),
                bundle_recipient: None,
            })
            .send()
            .unwrap();
        assert!(resp.status().is_success(), "enroll: {}", resp.status());
        let enrollment: EnrollResponse = resp.json().unwrap();
        TestDevice {
            id: enrollment.device_id.to_string(),
            key,
            public_key,
            enrollment,
        }
    }

    /// A signed request with the body as sent, and the headers given (before signing, so a
    /// `content-encoding` among them is signed too).
    #[allow(clippy::too_many_arguments)]
    pub fn request(
        &self,
        client: &Client,
        base: &str,
        method: &str,
        path: &str,
        body: &[u8],
        headers: &[(&str, &str)],
        timestamp_ms: i64,
    ) -> Request {
        let url = format!("{base}{path}");
        let mut builder = if method == "POST" {
            client.post(url).body(body.to_vec())
        } else {
            client.get(url)
        };
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let mut request = builder.build().unwrap();
        ariza_sync::transport::sign(&mut request, &self.id, &self.key, timestamp_ms).unwrap();
        request
    }

    pub fn post_json(
        &self,
        client: &Client,
        base: &str,
        path: &str,
        value: &impl serde::Serialize,
    ) -> Request {
        let body = serde_json::to_vec(value).unwrap();
        self.request(
            client,
            base,
            "POST",
            path,
            &body,
            &[("content-type", "application/json")],
            now_ms(),
        )
    }
}

/// Signs `request` now, as the desk enrolled in `e` does (the sync engine's own signer).
pub fn sign_as(e: &ariza_store::Enrollment, request: RequestBuilder) -> Request {
    let mut request = request.build().unwrap();
    ariza_sync::transport::sign(
        &mut request,
        &e.device_id.to_string(),
        &e.signing_key,
        now_ms(),
    )
    .unwrap();
    request
}

/// Signs `request` now and sends it with `client`.
pub fn send_as(
    client: &Client,
    e: &ariza_store::Enrollment,
    request: RequestBuilder,
) -> reqwest::blocking::Response {
    client.execute(sign_as(e, request)).unwrap()
}
