//! [`Stats`]: what the emulator saw and what it applied, to compare with what callers saw.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A state-changing or reading API operation the emulator carried out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// `POST /v1/users`
    CreateUser,
    /// `GET /v1/users/{user_id}`
    GetUser,
    /// `DELETE /v1/users/{user_id}`
    DeleteUser,
    /// `POST /v1/totps`
    CreateTotp,
    /// `POST /v1/totps/authenticate`
    AuthenticateTotp,
    /// `POST /v1/totps/recovery_codes`
    TotpRecoveryCodes,
    /// `POST /v1/totps/recover`
    RecoverTotp,
    /// `DELETE /v1/users/totps/{totp_id}`
    DeleteTotp,
    /// `POST /v1/sessions/authenticate`
    AuthenticateSession,
    /// `POST /v1/sessions/revoke`
    RevokeSession,
    /// `GET /v1/sessions`
    GetSessions,
    /// `GET /v1/sessions/jwks/{project_id}`
    GetJwks,
}

impl Operation {
    /// Every operation, in the order of the endpoint table.
    pub const ALL: [Operation; 12] = [
        Operation::CreateUser,
        Operation::GetUser,
        Operation::DeleteUser,
        Operation::CreateTotp,
        Operation::AuthenticateTotp,
        Operation::TotpRecoveryCodes,
        Operation::RecoverTotp,
        Operation::DeleteTotp,
        Operation::AuthenticateSession,
        Operation::RevokeSession,
        Operation::GetSessions,
        Operation::GetJwks,
    ];

    /// Whether callers must send HTTP Basic auth (JWKS fetchers send none).
    pub fn needs_credentials(self) -> bool {
        self != Operation::GetJwks
    }

    /// The HTTP method, e.g. `"POST"`.
    pub fn method(self) -> &'static str {
        match self {
            Operation::GetUser | Operation::GetSessions | Operation::GetJwks => "GET",
            Operation::DeleteUser | Operation::DeleteTotp => "DELETE",
            _ => "POST",
        }
    }

    /// The path template (axum syntax), e.g. `/v1/users/{user_id}`.
    pub fn path(self) -> &'static str {
        match self {
            Operation::CreateUser => "/v1/users",
            Operation::GetUser | Operation::DeleteUser => "/v1/users/{user_id}",
            Operation::CreateTotp => "/v1/totps",
            Operation::AuthenticateTotp => "/v1/totps/authenticate",
            Operation::TotpRecoveryCodes => "/v1/totps/recovery_codes",
            Operation::RecoverTotp => "/v1/totps/recover",
            Operation::DeleteTotp => "/v1/users/totps/{totp_id}",
            Operation::AuthenticateSession => "/v1/sessions/authenticate",
            Operation::RevokeSession => "/v1/sessions/revoke",
            Operation::GetSessions => "/v1/sessions",
            Operation::GetJwks => "/v1/sessions/jwks/{project_id}",
        }
    }

    /// The key used in [`Stats::operations_applied`], e.g. `totps.recover`.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::CreateUser => "users.create",
            Operation::GetUser => "users.get",
            Operation::DeleteUser => "users.delete",
            Operation::CreateTotp => "totps.create",
            Operation::AuthenticateTotp => "totps.authenticate",
            Operation::TotpRecoveryCodes => "totps.recovery_codes",
            Operation::RecoverTotp => "totps.recover",
            Operation::DeleteTotp => "users.delete_totp",
            Operation::AuthenticateSession => "sessions.authenticate",
            Operation::RevokeSession => "sessions.revoke",
            Operation::GetSessions => "sessions.get",
            Operation::GetJwks => "sessions.get_jwks",
        }
    }
}

/// Counters since the emulator started (or since the last reset). Requests to the admin API
/// under `/_emulator/` are not counted.
///
/// An operation is *applied* when it succeeded inside the emulator, whatever the caller then
/// saw: with `Fault::AfterApply` a recover is applied although the caller got a 503.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Stats {
    /// Every API request received, faulted or not.
    pub requests_total: u64,
    /// Requests received per raw request path (query excluded), e.g. `/v1/totps/recover`.
    pub requests_by_path: BTreeMap<String, u64>,
    /// Responses sent per HTTP status, as callers saw them (after faults).
    pub responses_by_status: BTreeMap<u16, u64>,
    /// Successful operations per [`Operation::as_str`] key.
    pub operations_applied: BTreeMap<String, u64>,
    /// Faults taken from the queue and applied.
    pub faults_injected: u64,
    /// Connections closed without a response by `Fault::DropConnection`.
    pub connections_dropped: u64,
}

impl Stats {
    /// Requests received for one path (e.g. `/v1/totps/recover`).
    pub fn requests_to(&self, path: &str) -> u64 {
        self.requests_by_path.get(path).copied().unwrap_or(0)
    }

    /// How many times `operation` succeeded inside the emulator.
    pub fn applied(&self, operation: Operation) -> u64 {
        self.operations_applied
            .get(operation.as_str())
            .copied()
            .unwrap_or(0)
    }

    /// Responses sent with `status`.
    pub fn responses_with(&self, status: u16) -> u64 {
        self.responses_by_status.get(&status).copied().unwrap_or(0)
    }

    pub(crate) fn record_request(&mut self, path: &str) {
        self.requests_total += 1;
        *self.requests_by_path.entry(path.to_owned()).or_default() += 1;
    }

    pub(crate) fn record_response(&mut self, status: u16) {
        *self.responses_by_status.entry(status).or_default() += 1;
    }

    pub(crate) fn record_applied(&mut self, operation: Operation) {
        *self
            .operations_applied
            .entry(operation.as_str().to_owned())
            .or_default() += 1;
    }
}
