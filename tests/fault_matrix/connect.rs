//! A connect hook for the "connection refused" rows: a tower layer around reqwest's connector
//! that counts every connection the client tries to open, and can refuse the first few itself
//! (as the OS would, with `ECONNREFUSED`) before letting the rest through. The server cannot
//! count connections that never reached it; this counter can.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

/// Counts connection attempts; refuses the first `refuse` of them.
#[derive(Clone)]
pub struct ConnectCounter {
    attempts: Arc<AtomicU64>,
    refuse: u64,
}

impl ConnectCounter {
    /// A counter that refuses the first `refuse` connections itself.
    pub fn refusing_first(refuse: u64) -> Self {
        Self {
            attempts: Arc::default(),
            refuse,
        }
    }

    /// Connections attempted so far.
    pub fn attempts(&self) -> u64 {
        self.attempts.load(Ordering::SeqCst)
    }

    /// A reqwest client whose connector goes through this counter.
    pub fn http_client(&self) -> reqwest::Client {
        // No provider setup: reqwest brings its own (the client's default rustls-aws-lc-rs).
        reqwest::Client::builder()
            .connector_layer(self.clone())
            .build()
            .expect("a reqwest client with a connector layer")
    }
}

impl<S> tower::Layer<S> for ConnectCounter {
    type Service = Counted<S>;

    fn layer(&self, inner: S) -> Counted<S> {
        Counted {
            inner,
            counter: self.clone(),
        }
    }
}

/// The connector wrapped by [`ConnectCounter`].
#[derive(Clone)]
pub struct Counted<S> {
    inner: S,
    counter: ConnectCounter,
}

impl<S, R> tower::Service<R> for Counted<S>
where
    S: tower::Service<R>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    S::Error: From<std::io::Error> + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, S::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        let before = self.counter.attempts.fetch_add(1, Ordering::SeqCst);
        if before < self.counter.refuse {
            return Box::pin(std::future::ready(Err(std::io::Error::from(
                std::io::ErrorKind::ConnectionRefused,
            )
            .into())));
        }
        Box::pin(self.inner.call(request))
    }
}
