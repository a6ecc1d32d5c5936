//! [`Policy`]: what a session must show to pass, checked without HTTP (a pure function of the
//! session claim and the time).

use std::borrow::Cow;
use std::time::{Duration, SystemTime};

use stytch_totp::models::{AuthenticationFactor, StytchSessionClaim};

/// JWTs issued longer ago than this are checked with Stytch, not locally, unless a policy says
/// otherwise: a revoked session is refused at most this long after it was revoked.
pub const DEFAULT_MAX_TOKEN_AGE: Duration = Duration::from_secs(60);

/// A kind of authentication factor, by the Stytch factor `type`s that count as it.
///
/// ```
/// use stytch_totp_axum::Factor;
/// assert_eq!(Factor::authenticator().name(), "totp");
/// let sso = Factor::any_of("sso", ["oauth", "sso"]);
/// assert_eq!(sso.name(), "sso");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Factor {
    name: Cow<'static, str>,
    types: Vec<Cow<'static, str>>,
}

impl Factor {
    /// A factor named `name` (shown in refusals) that any of Stytch's factor `types` satisfies.
    pub fn any_of<T: Into<Cow<'static, str>>>(
        name: impl Into<Cow<'static, str>>,
        types: impl IntoIterator<Item = T>,
    ) -> Self {
        Self {
            name: name.into(),
            types: types.into_iter().map(Into::into).collect(),
        }
    }

    /// A password (Stytch factor type `password`).
    pub fn password() -> Self {
        Self::any_of("password", ["password"])
    }

    /// The authenticator app: a TOTP code, or one of its recovery codes, which stands in for
    /// it (Stytch factor types `totp` and `recovery_codes`). Named `totp` in refusals.
    pub fn authenticator() -> Self {
        Self::any_of("totp", ["totp", "recovery_codes"])
    }

    /// The name refusals use for this factor.
    pub fn name(&self) -> &str {
        &self.name
    }

    fn matches(&self, factor: &AuthenticationFactor) -> bool {
        self.types.iter().any(|t| *t == factor.type_)
    }

    /// When a matching factor last authenticated (the most recent one), if the session says.
    fn last_authenticated(&self, factors: &[AuthenticationFactor]) -> Option<SystemTime> {
        factors
            .iter()
            .filter(|f| self.matches(f))
            .filter_map(|f| f.last_authenticated_at.map(SystemTime::from))
            .max()
    }
}

/// What a session must show to reach a route: the factors it was authenticated with, how
/// recently one of them was entered ("stepped up within the last 10 minutes"), and how old a
/// JWT may be before Stytch is asked instead of checking it locally.
///
/// Set one on the [`Guard`](crate::Guard) for every route, and others per route with
/// [`Policy::layer`].
///
/// ```
/// use std::time::Duration;
/// use stytch_totp_axum::{Factor, Policy};
/// let two_factors = Policy::signed_in()
///     .require(Factor::password())
///     .require(Factor::authenticator());
/// let sensitive = two_factors
///     .clone()
///     .fresh(Factor::authenticator(), Duration::from_secs(600))
///     .max_token_age(Duration::ZERO); // always ask Stytch: a revoked session is refused at once
/// # let _ = sensitive;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    required: Vec<Factor>,
    fresh: Option<(Factor, Duration)>,
    max_token_age: Duration,
}

impl Default for Policy {
    fn default() -> Self {
        Self::signed_in()
    }
}

/// Why a session that verified was refused by a [`Policy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyRefusal {
    /// The session lacks these factors (their [`Factor::name`]s).
    FactorsMissing(Vec<String>),
    /// The factor was not entered within `within` (or the session cannot say when).
    StepUpRequired {
        /// The factor to enter again.
        factor: String,
        /// How recent it must be.
        within: Duration,
    },
}

impl Policy {
    /// Any valid session, JWTs checked with Stytch after [`DEFAULT_MAX_TOKEN_AGE`].
    pub fn signed_in() -> Self {
        Self {
            required: Vec::new(),
            fresh: None,
            max_token_age: DEFAULT_MAX_TOKEN_AGE,
        }
    }

    /// The session must have been authenticated with `factor` too.
    #[must_use]
    pub fn require(mut self, factor: Factor) -> Self {
        if !self.required.contains(&factor) {
            self.required.push(factor);
        }
        self
    }

    /// The session must have authenticated `factor` within `within` (a step-up): older, it is
    /// refused with `step_up_required` until the user enters the factor again.
    #[must_use]
    pub fn fresh(mut self, factor: Factor, within: Duration) -> Self {
        self.fresh = Some((factor, within));
        self
    }

    /// JWTs issued longer ago than `age` are checked with Stytch (which answers a fresh one)
    /// rather than locally. Zero asks Stytch every time.
    #[must_use]
    pub fn max_token_age(mut self, age: Duration) -> Self {
        self.max_token_age = age;
        self
    }

    /// The age after which JWTs are checked with Stytch.
    pub fn token_age_limit(&self) -> Duration {
        self.max_token_age
    }

    /// Checks a verified session against the policy at `now`.
    pub fn check(
        &self,
        session: &StytchSessionClaim,
        now: SystemTime,
    ) -> Result<(), PolicyRefusal> {
        let factors = &session.authentication_factors;
        let missing: Vec<String> = self
            .required
            .iter()
            .filter(|required| !factors.iter().any(|f| required.matches(f)))
            .map(|required| required.name().to_owned())
            .collect();
        if !missing.is_empty() {
            return Err(PolicyRefusal::FactorsMissing(missing));
        }
        if let Some((factor, within)) = &self.fresh {
            let fresh = factor
                .last_authenticated(factors)
                .is_some_and(|at| now.duration_since(at).unwrap_or_default() <= *within);
            if !fresh {
                return Err(PolicyRefusal::StepUpRequired {
                    factor: factor.name().to_owned(),
                    within: *within,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn session(factors: serde_json::Value) -> StytchSessionClaim {
        serde_json::from_value(json!({
            "id": "session-test-1",
            "started_at": "2026-12-06T10:00:00Z",
            "last_accessed_at": "2026-12-06T10:00:00Z",
            "expires_at": "2026-12-06T11:00:00Z",
            "authentication_factors": factors,
        }))
        .unwrap()
    }

    fn factor(type_: &str, at: &str) -> serde_json::Value {
        json!({ "type": type_, "delivery_method": "x", "last_authenticated_at": at })
    }

    fn at(text: &str) -> SystemTime {
        text.parse::<stytch_totp::models::chrono::DateTime<stytch_totp::models::chrono::Utc>>()
            .unwrap()
            .into()
    }

    #[test]
    fn any_session_passes_signed_in() {
        let none = session(json!([]));
        assert_eq!(Policy::signed_in().check(&none, SystemTime::now()), Ok(()));
    }

    #[test]
    fn every_required_factor_must_be_present_and_missing_ones_are_named() {
        let both = Policy::signed_in()
            .require(Factor::password())
            .require(Factor::authenticator());
        let now = at("2026-12-06T10:05:00Z");
        let password_only = session(json!([factor("password", "2026-12-06T10:00:00Z")]));
        assert_eq!(
            both.check(&password_only, now),
            Err(PolicyRefusal::FactorsMissing(vec!["totp".into()]))
        );
        assert_eq!(
            both.check(&session(json!([])), now),
            Err(PolicyRefusal::FactorsMissing(vec![
                "password".into(),
                "totp".into()
            ]))
        );
        let with_recovery_code = session(json!([
            factor("password", "2026-12-06T10:00:00Z"),
            factor("recovery_codes", "2026-12-06T10:01:00Z"),
        ]));
        assert_eq!(both.check(&with_recovery_code, now), Ok(()));
        let email = session(json!([factor("magic_link", "2026-12-06T10:00:00Z")]));
        assert!(Policy::signed_in()
            .require(Factor::authenticator())
            .check(&email, now)
            .is_err());
    }

    #[test]
    fn a_step_up_must_be_recent_enough() {
        let policy =
            Policy::signed_in().fresh(Factor::authenticator(), Duration::from_secs(10 * 60));
        let s = session(json!([
            factor("password", "2026-12-06T10:00:00Z"),
            factor("totp", "2026-12-06T10:00:00Z"),
            factor("recovery_codes", "2026-12-06T10:08:00Z"),
        ]));
        // The most recent matching factor counts: the recovery code at 10:08.
        assert_eq!(policy.check(&s, at("2026-12-06T10:18:00Z")), Ok(()));
        let stale = policy.check(&s, at("2026-12-06T10:18:01Z"));
        assert_eq!(
            stale,
            Err(PolicyRefusal::StepUpRequired {
                factor: "totp".into(),
                within: Duration::from_secs(600)
            })
        );
        // No such factor, or no timestamp: not fresh.
        let password_only = session(json!([factor("password", "2026-12-06T10:00:00Z")]));
        assert!(policy
            .check(&password_only, at("2026-12-06T10:00:01Z"))
            .is_err());
        let undated = session(json!([{ "type": "totp", "delivery_method": "authenticator_app" }]));
        assert!(policy.check(&undated, at("2026-12-06T10:00:01Z")).is_err());
        // A factor stamped in the future (clock skew) counts as just entered.
        assert_eq!(policy.check(&s, at("2026-12-06T09:00:00Z")), Ok(()));
    }

    #[test]
    fn requiring_a_factor_twice_names_it_once() {
        let policy = Policy::signed_in()
            .require(Factor::password())
            .require(Factor::password());
        assert_eq!(
            policy.check(&session(json!([])), SystemTime::now()),
            Err(PolicyRefusal::FactorsMissing(vec!["password".into()]))
        );
    }
}
