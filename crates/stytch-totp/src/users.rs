//! `client.users()`: create, get, delete, delete_totp.

use std::future::Future;
use std::time::Duration;

use stytch_totp_models::{
    check_external_id, endpoints, CreateUserRequest, CreateUserResponse, DeleteTotpResponse,
    DeleteUserResponse, GetUserResponse, TotpIdentifier, UserIdentifier,
};

use crate::call::call_builder;
use crate::{Client, Error};

/// The user endpoints needed around TOTP. Get one with [`Client::users`].
#[derive(Debug, Clone, Copy)]
pub struct Users<'c> {
    client: &'c Client,
}

impl<'c> Users<'c> {
    pub(crate) fn new(client: &'c Client) -> Self {
        Self { client }
    }

    /// Creates a user. Not retried once Stytch may have received it.
    pub fn create(self, request: CreateUserRequest) -> CreateUser<'c> {
        CreateUser {
            client: self.client,
            request,
            timeout: None,
        }
    }

    /// Gets a user by `user_id` or `external_id`. A read: always retried.
    pub fn get(self, user_id: impl Into<String>) -> GetUser<'c> {
        GetUser {
            client: self.client,
            user_id: user_id.into(),
            timeout: None,
        }
    }

    /// Deletes a user. Not retried once Stytch may have received it.
    pub fn delete(self, user_id: impl Into<String>) -> DeleteUser<'c> {
        DeleteUser {
            client: self.client,
            user_id: user_id.into(),
            timeout: None,
        }
    }

    /// Removes a TOTP from its user. Not retried once Stytch may have received it.
    pub fn delete_totp(self, totp_id: impl Into<String>) -> DeleteTotp<'c> {
        DeleteTotp {
            client: self.client,
            totp_id: totp_id.into(),
            timeout: None,
        }
    }
}

/// The [`UsersCreate`](crate::Operation::UsersCreate) request: await it, or call [`CreateUser::send`].
#[must_use = "a request does nothing until awaited"]
pub struct CreateUser<'c> {
    client: &'c Client,
    request: CreateUserRequest,
    timeout: Option<Duration>,
}

impl<'c> CreateUser<'c> {
    /// Validates and sends: an `external_id` outside Stytch's rule ([`check_external_id`])
    /// fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<CreateUserResponse, Error>> + Send + 'c {
        let request = match self.request.external_id.as_deref().map(check_external_id) {
            Some(Err(broken)) => Err(Error::from(broken)),
            _ => Ok(self.request),
        };
        self.client
            .send_json::<endpoints::UsersCreate>(request, self.timeout)
    }
}
call_builder!(CreateUser => CreateUserResponse);

/// The [`UsersGet`](crate::Operation::UsersGet) request: await it, or call [`GetUser::send`].
#[must_use = "a request does nothing until awaited"]
pub struct GetUser<'c> {
    client: &'c Client,
    user_id: String,
    timeout: Option<Duration>,
}

impl<'c> GetUser<'c> {
    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<GetUserResponse, Error>> + Send + 'c {
        let user_id = UserIdentifier::new(self.user_id)
            .map(|id| vec![id.as_str().to_owned()])
            .map_err(Error::from);
        self.client
            .send_empty::<endpoints::UsersGet>(user_id, self.timeout)
    }
}
call_builder!(GetUser => GetUserResponse);

/// The [`UsersDelete`](crate::Operation::UsersDelete) request: await it, or call [`DeleteUser::send`].
#[must_use = "a request does nothing until awaited"]
pub struct DeleteUser<'c> {
    client: &'c Client,
    user_id: String,
    timeout: Option<Duration>,
}

impl<'c> DeleteUser<'c> {
    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<DeleteUserResponse, Error>> + Send + 'c {
        let user_id = UserIdentifier::new(self.user_id)
            .map(|id| vec![id.as_str().to_owned()])
            .map_err(Error::from);
        self.client
            .send_empty::<endpoints::UsersDelete>(user_id, self.timeout)
    }
}
call_builder!(DeleteUser => DeleteUserResponse);

/// The [`UsersDeleteTotp`](crate::Operation::UsersDeleteTotp) request: await it, or call [`DeleteTotp::send`].
#[must_use = "a request does nothing until awaited"]
pub struct DeleteTotp<'c> {
    client: &'c Client,
    totp_id: String,
    timeout: Option<Duration>,
}

impl<'c> DeleteTotp<'c> {
    /// Validates and sends. Invalid input fails when awaited, before anything is sent.
    pub fn send(self) -> impl Future<Output = Result<DeleteTotpResponse, Error>> + Send + 'c {
        let totp_id = TotpIdentifier::new(self.totp_id)
            .map(|id| vec![id.as_str().to_owned()])
            .map_err(Error::from);
        self.client
            .send_empty::<endpoints::UsersDeleteTotp>(totp_id, self.timeout)
    }
}
call_builder!(DeleteTotp => DeleteTotpResponse);
