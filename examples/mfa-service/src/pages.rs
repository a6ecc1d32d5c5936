//! The pages a person uses: plain HTML, CSS and vanilla JavaScript embedded in the binary
//! (`web/`), calling the JSON routes with `fetch`. No build step; the API stays the contract.

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE, X_CONTENT_TYPE_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};

const INDEX_HTML: &str = include_str!("../web/index.html");
const APP_JS: &str = include_str!("../web/app.js");
const APP_CSS: &str = include_str!("../web/app.css");

/// Scripts and styles from this origin only; the QR code is a `data:` image.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let headers = [
        (CONTENT_TYPE, HeaderValue::from_static(content_type)),
        (CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)),
        (X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
    ];
    (headers, body).into_response()
}

/// `GET /`: the sign-in page (start, enrolment, code, recovery code, signed in).
pub(crate) async fn index() -> Response {
    asset("text/html; charset=utf-8", INDEX_HTML)
}

/// `GET /app.js`.
pub(crate) async fn app_js() -> Response {
    asset("text/javascript; charset=utf-8", APP_JS)
}

/// `GET /app.css`.
pub(crate) async fn app_css() -> Response {
    asset("text/css; charset=utf-8", APP_CSS)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `id="..."` values of the elements starting with `tag`.
    fn ids_of(tag: &str) -> Vec<&'static str> {
        INDEX_HTML
            .split(tag)
            .skip(1)
            .filter_map(|rest| rest.split('>').next())
            .filter_map(|attrs| attrs.split("id=\"").nth(1))
            .filter_map(|rest| rest.split('"').next())
            .collect()
    }

    #[test]
    fn every_input_has_a_label_and_every_script_hook_exists() {
        let inputs = ids_of("<input");
        assert_eq!(inputs.len(), 6, "{inputs:?}");
        for id in inputs {
            assert!(
                INDEX_HTML.contains(&format!("<label for=\"{id}\"")),
                "input #{id} has no label"
            );
        }
        for hook in APP_JS.split("$(\"").skip(1) {
            let id = hook.split('"').next().unwrap();
            assert!(
                INDEX_HTML.contains(&format!("id=\"{id}\"")),
                "app.js uses #{id}, which the page lacks"
            );
        }
    }

    #[tokio::test]
    async fn assets_have_their_types_and_a_strict_policy() {
        for (response, kind) in [
            (index().await, "text/html"),
            (app_js().await, "text/javascript"),
            (app_css().await, "text/css"),
        ] {
            let headers = response.headers();
            assert!(headers[CONTENT_TYPE].to_str().unwrap().starts_with(kind));
            assert!(headers[CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap()
                .contains("script-src 'self'"));
        }
    }
}
