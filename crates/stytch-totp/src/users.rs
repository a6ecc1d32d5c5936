//! `client.users()`: create, get, delete, delete_totp.

use std::future::Future;
use std::time::Duration;

use serde_json::{Map, Value};
use stytch_totp_models::{
    check_external_id, endpoints, Attributes, CreateUserRequest, CreateUserResponse,
    DeleteTotpResponse, DeleteUserResponse, GetUserResponse, TotpIdentifier, UserIdentifier,
    UserName,
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

    /// Creates a user; set its fields on the returned builder. Not retried once Stytch may
    /// have received it.
    ///
    /// ```no_run
    /// # async fn run(client: stytch_totp::Client) -> Result<(), stytch_totp::Error> {
    /// let user = client
    ///     .users()
    ///     .create()
    ///     .email("ada@example.com")
    ///     .name("Ada", "Lovelace")
    ///     .external_id("crm-42")
    ///     .await?;
    /// println!("{}", user.user_id);
    /// # Ok(()) }
    /// ```
    pub fn create(self) -> CreateUser<'c> {
        CreateUser {
            client: self.client,
            request: CreateUserRequest::default(),
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

/// The [`UsersCreate`](crate::Operation::UsersCreate) request: set fields, then await it or
/// call [`CreateUser::send`]. Every field is optional, as in Stytch's API.
#[must_use = "a request does nothing until awaited"]
#[derive(Debug)]
pub struct CreateUser<'c> {
    client: &'c Client,
    request: CreateUserRequest,
    timeout: Option<Duration>,
}

impl<'c> CreateUser<'c> {
    /// The user's email address.
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.request.email = Some(email.into());
        self
    }

    /// The user's phone number, in E.164 format (`+1XXXXXXXXXX`).
    pub fn phone_number(mut self, phone_number: impl Into<String>) -> Self {
        self.request.phone_number = Some(phone_number.into());
        self
    }

    /// The user's first and last name (see [`CreateUser::full_name`] for a middle name).
    pub fn name(self, first_name: impl Into<String>, last_name: impl Into<String>) -> Self {
        self.full_name(UserName {
            first_name: Some(first_name.into()),
            last_name: Some(last_name.into()),
            middle_name: None,
        })
    }

    /// The user's name, every part optional.
    pub fn full_name(mut self, name: UserName) -> Self {
        self.request.name = Some(name);
        self
    }

    /// Your own id for the user, usable wherever a `user_id` is (Stytch's rule:
    /// [`check_external_id`]).
    pub fn external_id(mut self, external_id: impl Into<String>) -> Self {
        self.request.external_id = Some(external_id.into());
        self
    }

    /// Saves the user as `pending` until they first authenticate (default: active).
    pub fn create_user_as_pending(mut self, pending: bool) -> Self {
        self.request.create_user_as_pending = Some(pending);
        self
    }

    /// Roles to assign explicitly (Stytch RBAC).
    pub fn roles(mut self, roles: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.request.roles = roles.into_iter().map(Into::into).collect();
        self
    }

    /// Application data only your backend may change.
    pub fn trusted_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.request.trusted_metadata = metadata;
        self
    }

    /// Application data end users may edit: never use it for anything critical.
    pub fn untrusted_metadata(mut self, metadata: Map<String, Value>) -> Self {
        self.request.untrusted_metadata = metadata;
        self
    }

    /// The end user's IP address and user agent, as Stytch records them.
    pub fn attributes(mut self, attributes: Attributes) -> Self {
        self.request.attributes = Some(attributes);
        self
    }

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
#[derive(Debug)]
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
#[derive(Debug)]
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
#[derive(Debug)]
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
