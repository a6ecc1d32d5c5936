//! What every request builder shares: a per-call timeout and `.await` support.

/// Implements `timeout(...)` and `IntoFuture` for a request builder whose `send` returns
/// `Result<$output, Error>`. The builder must have `client: &'c Client` and
/// `timeout: Option<Duration>` fields.
macro_rules! call_builder {
    ($builder:ident => $output:ty) => {
        impl<'c> $builder<'c> {
            /// Bounds this call (retries included), overriding the client's call timeout.
            pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
                self.timeout = Some(timeout);
                self
            }
        }

        impl<'c> ::std::future::IntoFuture for $builder<'c> {
            type Output = Result<$output, $crate::Error>;
            type IntoFuture =
                ::std::pin::Pin<Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'c>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub(crate) use call_builder;
