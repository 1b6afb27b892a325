//! The pages' CSS, JavaScript and icon, compiled into the binary and served at `/assets/NAME`.
//! Pages link each asset with its content hash (`?v=…`): a request for the current hash may be
//! cached for a year (a new build changes the hash, so the URL), anything else is revalidated by
//! its `ETag`. Each asset has its exact content type (the pages send `nosniff`).

use std::sync::LazyLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::PageResponse;
use crate::http::{check_address, AppState};

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $content_type:literal) => {
        Asset { name: $name, content_type: $content_type, body: include_bytes!(concat!("../../assets/", $name)) }
    };
}

static ASSETS: &[Asset] = &[
    asset!("app.css", "text/css; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("login.js", "text/javascript; charset=utf-8"),
    asset!("results.js", "text/javascript; charset=utf-8"),
    asset!("chat.js", "text/javascript; charset=utf-8"),
    asset!("sql.js", "text/javascript; charset=utf-8"),
    asset!("audit.js", "text/javascript; charset=utf-8"),
    asset!("reports.js", "text/javascript; charset=utf-8"),
    asset!("save.js", "text/javascript; charset=utf-8"),
    asset!("account.js", "text/javascript; charset=utf-8"),
    asset!("admin.js", "text/javascript; charset=utf-8"),
    asset!("admin_users.js", "text/javascript; charset=utf-8"),
    asset!("admin_connectors.js", "text/javascript; charset=utf-8"),
    asset!("keys.js", "text/javascript; charset=utf-8"),
    asset!("admin_spend.js", "text/javascript; charset=utf-8"),
    asset!("admin_memory.js", "text/javascript; charset=utf-8"),
    asset!("dashboard.js", "text/javascript; charset=utf-8"),
    asset!("icon.svg", "image/svg+xml"),
];

/// Each asset's version: the first 16 hex digits of its SHA-256, in the order of [`ASSETS`].
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS.iter().map(|a| Sha256::digest(a.body).iter().take(8).map(|b| format!("{b:02x}")).collect()).collect()
});

fn find(name: &str) -> Option<(&'static Asset, &'static str)> {
    let index = ASSETS.iter().position(|a| a.name == name)?;
    Some((&ASSETS[index], VERSIONS[index].as_str()))
}

/// The URL a page links `name` with (its content hash in the query).
pub fn url(name: &str) -> String {
    match find(name) {
        Some((asset, version)) => format!("/assets/{}?v={version}", asset.name),
        None => {
            // A template names an asset that is not embedded: a bug the page tests catch (404).
            tracing::error!(asset = name, "a page links an asset that is not embedded");
            format!("/assets/{name}")
        }
    }
}

#[derive(serde::Deserialize)]
struct Version {
    v: Option<String>,
}

/// `GET /assets/{name}`.
pub async fn serve(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    let mut response = answer(&req, &state);
    response.extensions_mut().insert(PageResponse);
    response
}

fn answer(req: &HttpRequest, state: &AppState) -> HttpResponse {
    if let Err(e) = check_address(req, state) {
        let mut response = HttpResponse::TooManyRequests();
        if let Some(seconds) = e.retry_after() {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        return response.content_type("text/plain; charset=utf-8").body(e.message().to_owned());
    }
    let name = req.match_info().get("name").unwrap_or_default();
    let Some((asset, version)) = find(name) else {
        return HttpResponse::NotFound()
            .insert_header((header::CACHE_CONTROL, "no-store"))
            .content_type("text/plain; charset=utf-8")
            .body("no such asset");
    };
    let current = web::Query::<Version>::from_query(req.query_string()).ok().and_then(|q| q.into_inner().v);
    // The URL a page links is immutable; any other may change with the next build.
    let cache = if current.as_deref() == Some(version) { "public, max-age=31536000, immutable" } else { "no-cache" };
    let etag = format!("\"{version}\"");
    let unchanged = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"));
    let mut response = if unchanged { HttpResponse::NotModified() } else { HttpResponse::Ok() };
    response.insert_header((header::CACHE_CONTROL, cache)).insert_header((header::ETAG, etag));
    if unchanged {
        return response.finish();
    }
    response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static(asset.content_type))).body(asset.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_embedded_with_a_type_and_a_version() {
        for asset in ASSETS {
            assert!(!asset.body.is_empty(), "{} is empty", asset.name);
            let url = url(asset.name);
            let version = url.split("?v=").nth(1).unwrap();
            assert_eq!(version.len(), 16, "{url}");
        }
        assert!(find("nope.js").is_none());
    }

    #[test]
    fn scripts_and_styles_hold_no_inline_handlers_and_no_html_injection() {
        for asset in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let text = std::str::from_utf8(asset.body).unwrap();
            // Data goes into the page as text (textContent, createElement), never as markup.
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"] {
                assert!(!text.contains(sink), "{} uses {sink}", asset.name);
            }
        }
    }
}
