//! Offline tests of the client against wiremock: endpoints, error mapping, retries,
//! timeouts, input validation and secret leaks.

mod common;
mod docs;
mod endpoints;
mod errors;
mod leaks;
mod middleware;
mod observability;
mod passwords;
mod properties;
mod retries;
mod sessions;
mod timeouts;
