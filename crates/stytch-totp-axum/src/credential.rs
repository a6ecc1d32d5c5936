//! Where a request's session JWT comes from (`Authorization: Bearer`, else the session cookie)
//! and the session cookie the guard writes back.

use std::time::{Duration, SystemTime};

use axum::http::header::{AUTHORIZATION, COOKIE, FORWARDED, HOST};
use axum::http::{HeaderMap, HeaderValue};
pub use cookie::SameSite;
use cookie::{Cookie, CookieBuilder};
use stytch_totp::models::SecretString;

/// The default session cookie name.
pub const DEFAULT_COOKIE_NAME: &str = "stytch_session_jwt";

/// Where a request's session JWT came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    /// `Authorization: Bearer <jwt>` (an API client): refreshed JWTs are not set as cookies.
    Bearer,
    /// The session cookie (a browser): refreshed JWTs are written back as the cookie.
    Cookie,
}

impl Credential {
    /// `bearer` or `cookie`, as spans and logs name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Bearer => "bearer",
            Self::Cookie => "cookie",
        }
    }
}

/// When the session cookie carries the `Secure` attribute (sent over HTTPS only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Secure {
    /// Always `Secure`: the right choice behind a proxy that rewrites `Host` to a loopback
    /// address without adding `Forwarded` / `X-Forwarded-*` headers.
    Always,
    /// `Secure` unless the request's `Host` is loopback (`localhost`, `127.0.0.0/8`, `[::1]`)
    /// and no `Forwarded` / `X-Forwarded-*` header says a proxy is in between: plain-HTTP
    /// development works, every other request gets a `Secure` cookie.
    #[default]
    ExceptLoopback,
}

/// The session cookie: its name and attributes. Always `HttpOnly` (page scripts never read the
/// session JWT) and `Path=/`; `SameSite=Lax` and [`Secure::ExceptLoopback`] by default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieSettings {
    name: String,
    same_site: SameSite,
    secure: Secure,
}

impl Default for CookieSettings {
    fn default() -> Self {
        Self {
            name: DEFAULT_COOKIE_NAME.to_owned(),
            same_site: SameSite::Lax,
            secure: Secure::default(),
        }
    }
}

impl CookieSettings {
    /// The cookie's name.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Its `SameSite` attribute (`Strict` keeps it off every cross-site request, links
    /// included; `Lax`, the default, sends it on top-level navigations).
    #[must_use]
    pub fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// When it is `Secure`.
    #[must_use]
    pub fn secure(mut self, secure: Secure) -> Self {
        self.secure = secure;
        self
    }

    /// The cookie's name.
    pub fn cookie_name(&self) -> &str {
        &self.name
    }

    /// Whether a cookie answered to a request with these headers is `Secure`.
    pub(crate) fn secure_for(&self, headers: &HeaderMap) -> bool {
        match self.secure {
            Secure::Always => true,
            Secure::ExceptLoopback => !is_loopback_host(headers) || is_forwarded(headers),
        }
    }

    fn builder(&self, value: String, secure: bool) -> CookieBuilder<'static> {
        Cookie::build((self.name.clone(), value))
            .http_only(true)
            .same_site(self.same_site)
            .path("/")
            .secure(secure)
    }

    /// `Set-Cookie` carrying `jwt`, kept until `expires_at` (the session's end) if known,
    /// else for the browser session.
    pub(crate) fn set(
        &self,
        jwt: &SecretString,
        expires_at: Option<SystemTime>,
        secure: bool,
    ) -> HeaderValue {
        let mut cookie = self.builder(jwt.expose_secret().to_owned(), secure);
        if let Some(end) = expires_at {
            let left = end
                .duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO);
            let seconds = i64::try_from(left.as_secs()).unwrap_or(i64::MAX);
            cookie = cookie.max_age(cookie::time::Duration::seconds(seconds));
        }
        header_value(&cookie.build())
    }

    /// `Set-Cookie` deleting the cookie.
    pub(crate) fn remove(&self, secure: bool) -> HeaderValue {
        let cookie = self
            .builder(String::new(), secure)
            .max_age(cookie::time::Duration::ZERO);
        header_value(&cookie.build())
    }

    /// The request's session JWT: `Authorization: Bearer <jwt>`, else this cookie.
    pub(crate) fn credential(&self, headers: &HeaderMap) -> Option<(SecretString, Credential)> {
        let bearer = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, token) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then_some(token)
            })
            .map(str::trim)
            .filter(|v| !v.is_empty());
        if let Some(jwt) = bearer {
            return Some((SecretString::from(jwt.to_owned()), Credential::Bearer));
        }
        headers
            .get_all(COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == self.name && !c.value().is_empty())
            .map(|c| (SecretString::from(c.value().to_owned()), Credential::Cookie))
    }
}

fn header_value(cookie: &Cookie<'_>) -> HeaderValue {
    // A JWT is base64url and dots, the name is the service's own: always a valid value. Should
    // it not be, an empty header is better than a panic.
    HeaderValue::try_from(cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

fn is_loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    // Strip the port: `[::1]:3000`, `127.0.0.1:3000`, `localhost:3000`.
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn is_forwarded(headers: &HeaderMap) -> bool {
    headers.contains_key(FORWARDED)
        || headers
            .keys()
            .any(|name| name.as_str().starts_with("x-forwarded-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    axum::http::HeaderName::from_static(k),
                    HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn the_credential_is_the_bearer_token_else_the_cookie() {
        let settings = CookieSettings::default().name("sid");
        assert!(settings.credential(&HeaderMap::new()).is_none());
        let cookie = headers(&[("cookie", "a=1; sid=c.c.c")]);
        let (jwt, source) = settings.credential(&cookie).unwrap();
        assert_eq!((jwt.expose_secret(), source), ("c.c.c", Credential::Cookie));
        let both = headers(&[("cookie", "sid=c.c.c"), ("authorization", "bearer b.b.b")]);
        let (jwt, source) = settings.credential(&both).unwrap();
        assert_eq!((jwt.expose_secret(), source), ("b.b.b", Credential::Bearer));
        // Another scheme, an empty token or an empty cookie is no credential.
        for h in [
            headers(&[("authorization", "Basic YTpi")]),
            headers(&[("authorization", "Bearer ")]),
            headers(&[("cookie", "sid=")]),
            headers(&[("cookie", "other=c.c.c")]),
        ] {
            assert!(settings.credential(&h).is_none(), "{h:?}");
        }
    }

    #[test]
    fn cookies_are_http_only_and_secure_off_loopback_only() {
        let settings = CookieSettings::default().same_site(SameSite::Strict);
        for host in ["localhost:3000", "127.0.0.1:8080", "[::1]:80", "127.1.2.3"] {
            let h: HeaderMap = [(HOST, HeaderValue::from_str(host).unwrap())]
                .into_iter()
                .collect();
            assert!(!settings.secure_for(&h), "{host}");
        }
        for pairs in [
            &[("host", "example.com")][..],
            &[("host", "10.0.0.1:3000")][..],
            &[("host", "localhost.example.com")][..],
            &[][..],
            &[("host", "127.0.0.1:3000"), ("x-forwarded-proto", "https")][..],
            &[("host", "localhost"), ("forwarded", "proto=https")][..],
        ] {
            assert!(settings.secure_for(&headers(pairs)), "{pairs:?}");
        }
        let always = CookieSettings::default().secure(Secure::Always);
        assert!(always.secure_for(&headers(&[("host", "localhost")])));

        let jwt = SecretString::from("h.p.s".to_owned());
        let end = SystemTime::now() + Duration::from_secs(3600);
        let set = settings.set(&jwt, Some(end), true);
        let set = set.to_str().unwrap();
        for part in [
            "stytch_session_jwt=h.p.s",
            "HttpOnly",
            "SameSite=Strict",
            "Path=/",
            "Secure",
            "Max-Age=3",
        ] {
            assert!(set.contains(part), "{set}");
        }
        let plain = settings.set(&jwt, None, false);
        let plain = plain.to_str().unwrap();
        assert!(
            !plain.contains("Secure") && !plain.contains("Max-Age"),
            "{plain}"
        );
        let gone = settings.remove(false);
        let gone = gone.to_str().unwrap();
        assert!(gone.starts_with("stytch_session_jwt=;") && gone.contains("Max-Age=0"));
    }
}
