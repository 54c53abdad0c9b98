//! The pages' style, script and map, compiled into the binary: the portal stays one file to
//! deploy.

use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::PortalError;

const PORTAL_CSS: &str = include_str!("assets/portal.css");
const PORTAL_JS: &str = include_str!("assets/portal.js");

/// The 14 regions (Natural Earth 1:10m admin-1, public domain; docs/architecture.md).
pub(crate) const REGIONS_SVG: &str = include_str!("assets/uz-regions.svg");

pub(crate) async fn asset(Path(name): Path<String>) -> Response {
    let (body, media_type) = match name.as_str() {
        "portal.css" => (PORTAL_CSS, "text/css; charset=utf-8"),
        "portal.js" => (PORTAL_JS, "text/javascript; charset=utf-8"),
        _ => return PortalError::NotFound.into_response(),
    };
    let mut response = body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(media_type));
    response
}

/// A region's outline on the map.
#[derive(Debug, Clone)]
pub(crate) struct RegionShape {
    pub soato: String,
    pub d: String,
    pub cx: f32,
    pub cy: f32,
}

fn attribute<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// The map's paths, read once from the shipped SVG.
pub(crate) fn region_shapes() -> &'static [RegionShape] {
    static SHAPES: std::sync::LazyLock<Vec<RegionShape>> = std::sync::LazyLock::new(|| {
        REGIONS_SVG
            .split("<path")
            .skip(1)
            .filter_map(|tag| {
                Some(RegionShape {
                    soato: attribute(tag, "id")?.strip_prefix("r-")?.to_string(),
                    d: attribute(tag, "d")?.to_string(),
                    cx: attribute(tag, "data-cx")?.parse().ok()?,
                    cy: attribute(tag, "data-cy")?.parse().ok()?,
                })
            })
            .collect()
    });
    &SHAPES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_has_every_region_once() {
        let mut shown: Vec<&str> = region_shapes().iter().map(|s| s.soato.as_str()).collect();
        shown.sort_unstable();
        let mut regions: Vec<String> = ariza_core::regions::all()
            .into_iter()
            .map(|r| r.soato)
            .collect();
        regions.sort_unstable();
        assert_eq!(shown, regions);
        assert!(region_shapes().iter().all(|s| s.d.len() > 20));
    }
}
