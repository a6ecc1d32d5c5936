use super::*;

fn response(status: u16, retry_after: Option<&str>) -> Result<Response> {
    let mut builder = http::Response::builder().status(status);
    if let Some(value) = retry_after {
        builder = builder.header("retry-after", value);
    }
    Ok(Response::from(builder.body(Vec::<u8>::new()).unwrap()))
}

#[test]
fn only_safe_outcomes_are_retried_for_consuming_operations() {
    use RetrySafety::*;
    let retry = |after| Verdict::Retry { retry_after: after };
    assert_eq!(
        verdict(&response(429, Some("2")), BeforeProcessingOnly),
        retry(Some(Duration::from_secs(2)))
    );
    for status in [500, 502, 503, 504] {
        assert_eq!(
            verdict(&response(status, None), BeforeProcessingOnly),
            Verdict::Done,
            "{status}"
        );
    }
    assert_eq!(
        verdict(&response(503, Some("1")), Always),
        retry(Some(Duration::from_secs(1)))
    );
    assert_eq!(verdict(&response(502, None), Always), retry(None));
    assert_eq!(
        verdict(&response(500, None), Always),
        Verdict::Done,
        "500 is not transient"
    );
    assert_eq!(verdict(&response(400, None), Always), Verdict::Done);
    let mut locked = response(429, None).unwrap();
    locked.extensions_mut().insert(Identifiers {
        request_id: None,
        error_type: Some("user_lock_limit_reached".into()),
    });
    assert_eq!(
        verdict(&Ok(locked), Always),
        Verdict::Done,
        "a locked user is not retried"
    );
    assert_eq!(verdict(&response(200, None), Always), Verdict::Done);
    let timed_out = || -> Result<Response> {
        Err(reqwest_middleware::Error::middleware(Error::Timeout {
            after: Duration::from_secs(1),
        }))
    };
    assert_eq!(verdict(&timed_out(), Always), retry(None));
    assert_eq!(
        verdict(&timed_out(), BeforeProcessingOnly),
        Verdict::Done,
        "a timed-out consuming call may have been processed"
    );
    let too_large = Err(reqwest_middleware::Error::middleware(
        Error::ResponseTooLarge {
            status: 200,
            limit: 1,
        },
    ));
    assert_eq!(verdict(&too_large, Always), Verdict::Done);
}

/// `Error::is_retryable_for` gives the retry layer's verdict for every status, Stytch
/// error type and operation, and `is_retryable` the verdict for a read.
#[test]
fn is_retryable_agrees_with_the_retry_layer() {
    let error_types = [
        None,
        Some("user_lock_limit_reached"),
        Some("too_many_requests"),
    ];
    let statuses = (200..=599u16).filter(|s| *s % 100 < 30);
    for status in statuses {
        for error_type in error_types {
            let mut attempt = response(status, None).unwrap();
            attempt.extensions_mut().insert(Identifiers {
                request_id: None,
                error_type: error_type.map(String::from),
            });
            let attempt = Ok(attempt);
            let error = Error::Api {
                status,
                request_id: "request-id-test".into(),
                error_type: error_type.unwrap_or("bad_request").into(),
                error_message: String::new(),
                error_url: String::new(),
            };
            for operation in Operation::ALL {
                let layer = verdict(&attempt, operation.retry_safety()) != Verdict::Done;
                assert_eq!(
                    error.is_retryable_for(operation),
                    layer,
                    "{status} {error_type:?} {}",
                    operation.name()
                );
            }
            let read = verdict(&attempt, RetrySafety::Always) != Verdict::Done;
            assert_eq!(error.is_retryable(), read, "{status} {error_type:?}");
        }
    }
    let timeout = Error::Timeout {
        after: Duration::from_secs(1),
    };
    let timed_out = Err(reqwest_middleware::Error::middleware(Error::Timeout {
        after: Duration::from_secs(1),
    }));
    for operation in Operation::ALL {
        let layer = verdict(&timed_out, operation.retry_safety()) != Verdict::Done;
        assert_eq!(
            timeout.is_retryable_for(operation),
            layer,
            "{}",
            operation.name()
        );
    }
    assert!(timeout.is_retryable());
}

#[test]
fn retry_after_accepts_seconds_and_http_dates() {
    let get = |v| retry_after(&response(429, Some(v)).unwrap());
    assert_eq!(get("7"), Some(Duration::from_secs(7)));
    let in_a_minute = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(60));
    let parsed = get(&in_a_minute).unwrap();
    assert!(
        parsed > Duration::from_secs(55) && parsed <= Duration::from_secs(60),
        "{parsed:?}"
    );
    assert_eq!(get("Thu, 01 Jan 1970 00:00:00 GMT"), Some(Duration::ZERO));
    assert_eq!(get("soon"), None);
}
