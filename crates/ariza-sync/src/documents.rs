//! The documents lane: each attached scan goes to the portal as a tus 1.0 upload in
//! checksummed chunks, after its application's record and never ahead of a record still
//! waiting. After a cut the desk asks the portal how much it holds (`HEAD`) and sends only
//! the rest; a chunk the portal already has is answered 409 with its offset, never stored
//! twice. The portal checks the whole against the SHA-256 the application refers to.

use base64::Engine as _;
use reqwest::StatusCode;
use reqwest::blocking::{RequestBuilder, Response};
use sha2::{Digest, Sha256};

use ariza_core::clock::Clock;
use ariza_core::error::PortalCode;
use ariza_store::{PendingUpload, Store};

use crate::SyncError;

/// The size of a chunk: small enough that a cut on a 2G link loses little, large enough
/// that the signature and headers of each request are a small share of it.
pub const CHUNK_BYTES: usize = 256 * 1024;
pub const UPLOADS_PATH: &str = "/api/v1/uploads";
const TUS_VERSION: &str = "1.0.0";
/// Uploads looked at per round of the lane.
const ROUND: usize = 20;

/// One chunk as it is sent: what the tests and the 2G benchmark count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkSent {
    pub sha256: String,
    pub offset: i64,
    pub len: usize,
}

/// A function shown each chunk before it is sent.
pub type ChunkObserver = Box<dyn Fn(&ChunkSent) + Send + Sync>;

/// Why the lane stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LaneEnd {
    /// Nothing left that can go now.
    Done,
    /// Records were filed meanwhile: they go first.
    RecordsWaiting,
}

pub(crate) struct Lane<'a> {
    pub base: &'a str,
    pub http: &'a reqwest::blocking::Client,
    pub send_signed: &'a dyn Fn(RequestBuilder) -> Result<Response, SyncError>,
    pub observer: Option<&'a ChunkObserver>,
    pub clock: &'a dyn Clock,
}

/// What became of one upload this round.
enum Delivery {
    Delivered,
    /// The portal does not have the application (yet, or for this center): left for later.
    NotYet,
    RecordsWaiting,
}

fn header_number(resp: &Response, name: &str) -> Result<i64, SyncError> {
    resp.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| SyncError::BadAnswer(format!("no {name} in the portal's answer")))
}

/// The upload's address as the portal gave it, accepted only as a path under
/// [`UPLOADS_PATH`] on the enrolled portal: an answer can never send scans elsewhere.
fn upload_path(location: &str) -> Result<String, SyncError> {
    let id = location
        .strip_prefix(UPLOADS_PATH)
        .and_then(|rest| rest.strip_prefix('/'))
        .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-'))
        .ok_or_else(|| SyncError::BadAnswer("an upload address outside the portal".into()))?;
    Ok(format!("{UPLOADS_PATH}/{id}"))
}

impl Lane<'_> {
    pub fn run(&self, store: &Store) -> Result<(usize, LaneEnd), SyncError> {
        let mut delivered = 0;
        loop {
            let due = store.uploads_due(ROUND)?;
            let mut progressed = false;
            for upload in &due {
                match self.deliver(store, upload)? {
                    Delivery::Delivered => {
                        delivered += 1;
                        progressed = true;
                    }
                    Delivery::NotYet => {}
                    Delivery::RecordsWaiting => return Ok((delivered, LaneEnd::RecordsWaiting)),
                }
            }
            if !progressed || due.len() < ROUND {
                return Ok((delivered, LaneEnd::Done));
            }
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn request(&self, builder: RequestBuilder) -> Result<Response, SyncError> {
        (self.send_signed)(builder.header("tus-resumable", TUS_VERSION))
    }

    /// Creates the upload (or finds the one made before, whose answer was lost): its
    /// address and how much the portal already holds. `None`: the portal has no such
    /// application of this center.
    fn create(
        &self,
        store: &Store,
        upload: &PendingUpload,
    ) -> Result<Option<(String, i64)>, SyncError> {
        let body = serde_json::json!({
            "application_id": upload.application_id,
            "requirement_key": upload.requirement_key,
            "sha256": upload.sha256,
            "size": upload.size,
            "media_type": upload.media_type,
        });
        let resp = self.request(
            self.http
                .post(self.url(UPLOADS_PATH))
                .header("content-type", "application/json")
                .header("upload-length", upload.size.to_string())
                .body(body.to_string()),
        )?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if resp.status() != StatusCode::CREATED {
            return Err(crate::error_answer(resp));
        }
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| SyncError::BadAnswer("no Location for the upload".into()))?;
        let path = upload_path(location)?;
        let offset = header_number(&resp, "upload-offset")?;
        store.save_upload_location(upload.attachment, &path)?;
        Ok(Some((path, offset)))
    }

    /// How much of an upload the portal holds; `None` if it has forgotten the upload.
    fn offset_of(&self, path: &str) -> Result<Option<i64>, SyncError> {
        let resp = self.request(self.http.head(self.url(path)))?;
        match resp.status() {
            StatusCode::OK => Ok(Some(header_number(&resp, "upload-offset")?)),
            StatusCode::NOT_FOUND => Ok(None),
            _ => Err(crate::error_answer(resp)),
        }
    }

    fn deliver(&self, store: &Store, upload: &PendingUpload) -> Result<Delivery, SyncError> {
        let known = match &upload.location {
            Some(location) => {
                let path = upload_path(location)?;
                self.offset_of(&path)?.map(|offset| (path, offset))
            }
            None => None,
        };
        let (path, mut offset) = match known {
            Some(k) => k,
            None => match self.create(store, upload)? {
                Some(created) => created,
                None => return Ok(Delivery::NotYet),
            },
        };
        store.save_upload_progress(upload.attachment, offset)?;
        while offset < upload.size {
            if store.records_waiting()? {
                return Ok(Delivery::RecordsWaiting);
            }
            let chunk = store.scan_chunk(&upload.sha256, offset, CHUNK_BYTES)?;
            if chunk.is_empty() {
                return Err(SyncError::BadAnswer(
                    "the portal holds more of a scan than the scan has".into(),
                ));
            }
            if let Some(observe) = self.observer {
                observe(&ChunkSent {
                    sha256: upload.sha256.clone(),
                    offset,
                    len: chunk.len(),
                });
            }
            let checksum = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(&chunk));
            let resp = self.request(
                self.http
                    .patch(self.url(&path))
                    .header("content-type", "application/offset+octet-stream")
                    .header("upload-offset", offset.to_string())
                    .header("upload-checksum", format!("sha256 {checksum}"))
                    .body(chunk),
            )?;
            match resp.status() {
                StatusCode::NO_CONTENT => offset = header_number(&resp, "upload-offset")?,
                // The portal is elsewhere (this chunk arrived before its answer was lost):
                // go on from where it is.
                StatusCode::CONFLICT => offset = header_number(&resp, "upload-offset")?,
                _ => {
                    let e = crate::error_answer(resp);
                    if let SyncError::Portal {
                        code: Some(PortalCode::DocumentMismatch),
                        ..
                    } = e
                    {
                        // The portal threw the upload away: the next run starts it again.
                        store.save_upload_progress(upload.attachment, 0)?;
                    }
                    return Err(e);
                }
            }
            store.save_upload_progress(upload.attachment, offset)?;
        }
        store.mark_upload_delivered(upload.attachment, self.clock)?;
        tracing::info!(bytes = upload.size, "document delivered");
        Ok(Delivery::Delivered)
    }
}
