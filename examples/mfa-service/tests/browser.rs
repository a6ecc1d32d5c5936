//! The two-factor flow as a person sees it, in headless Chromium (driven through chromedriver
//! with fantoccini) against the real `mfa-service` binary on its embedded emulator: open the
//! page, sign up with an email and a password, enrol, read the QR code **from a screenshot's
//! pixels**, type the code an authenticator app would show, see the signed-in page (password
//! and TOTP on one session), ask for the recovery codes once the code is older than the step-up
//! window and be asked for a fresh code first, sign out, sign in with the password and type the
//! same code again ("already used"), sign in with a recovery code instead, then a second person
//! signs up and is refused when they try to verify with the first person's code, and the
//! service's logs hold no secret.
//!
//! Needs `chromium` and `chromedriver` on PATH (or `CHROME_BIN` / `CHROMEDRIVER`). Without
//! them it prints one line and skips, except under `CI=true`, where it fails. Screenshots of
//! every step go to `target/tmp/browser-screenshots/`.

mod support;

use std::io::Write;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};
use stytch_totp_emulator::Operation;
use support::{decode_qr, find_browser, inject_fault, Chromedriver, Service, STEP_UP_SECONDS};
use totp_rs::TOTP;

/// Generous: each step takes well under a second here.
const WAIT: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_person_enrols_signs_in_reuses_a_code_and_recovers_in_a_real_browser() {
    let started = Instant::now();
    let browser = match find_browser() {
        Ok(browser) => browser,
        Err(missing) => {
            let line = format!(
                "browser test skipped: {missing} not found (install with `apt-get install chromium \
                 chromium-driver`, or set CHROME_BIN and CHROMEDRIVER)"
            );
            assert!(std::env::var("CI").as_deref() != Ok("true"), "{line}");
            // Straight to stderr: the test harness captures eprintln! of passing tests.
            let _ = writeln!(std::io::stderr(), "{line}");
            return;
        }
    };
    let screenshots = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    let _ = std::fs::remove_dir_all(&screenshots);
    std::fs::create_dir_all(&screenshots).unwrap();

    let service = Service::start();
    let driver = Chromedriver::start(&browser.driver);
    let client = driver.connect(&browser.chrome).await;

    // Run the walk in its own task so the browser session is closed even if it fails.
    let walk = tokio::spawn(walk(
        client.clone(),
        service.url(),
        service.emulator_url(),
        screenshots.clone(),
    ));
    let outcome = walk.await;
    client.close().await.expect("the browser session closes");
    drop(driver);
    let logs = service.stop();
    let secrets = match outcome {
        Ok(secrets) => secrets,
        Err(error) => std::panic::resume_unwind(error.into_panic()),
    };

    // Nothing a person must keep secret reached the service's logs (all levels, TRACE too).
    assert!(
        logs.contains("\"mfa.verify\"") && logs.contains("\"mfa.recover\""),
        "logs were captured"
    );
    for secret in &secrets.strings {
        assert!(
            !logs.contains(secret.as_str()),
            "a secret reached the service's logs"
        );
    }
    for code in &secrets.codes {
        assert!(
            !logs.contains(&format!("\"{code}\"")),
            "a TOTP code reached the logs"
        );
    }
    eprintln!(
        "browser test: passed in {:.1} s; screenshots in {}",
        started.elapsed().as_secs_f64(),
        screenshots.display()
    );
}

/// What the walk saw that must never be logged.
#[derive(Default)]
struct Secrets {
    strings: Vec<String>,
    codes: Vec<String>,
}

struct Page {
    client: Client,
    screenshots: std::path::PathBuf,
    shots: usize,
}

impl Page {
    async fn shot(&mut self, name: &str) -> Vec<u8> {
        let png = self.client.screenshot().await.unwrap();
        self.shots += 1;
        let path = self
            .screenshots
            .join(format!("{:02}-{name}.png", self.shots));
        std::fs::write(&path, &png).unwrap();
        png
    }

    /// The element once it is displayed (its view shown, not `hidden`).
    async fn visible(&self, css: &str) -> fantoccini::elements::Element {
        let deadline = Instant::now() + WAIT;
        loop {
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                if element.is_displayed().await.unwrap_or(false) {
                    return element;
                }
            }
            assert!(Instant::now() < deadline, "{css} never showed");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    async fn text(&self, css: &str) -> String {
        self.visible(css).await.text().await.unwrap()
    }

    async fn click(&self, css: &str) {
        self.visible(css).await.click().await.unwrap();
    }

    async fn type_into(&self, css: &str, text: &str) {
        let input = self.visible(css).await;
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
    }

    async fn value(&self, css: &str) -> String {
        let input = self.visible(css).await;
        input.prop("value").await.unwrap().unwrap_or_default()
    }

    async fn session_cookie(&self) -> String {
        let cookie = self
            .client
            .get_named_cookie(mfa_service::SESSION_COOKIE)
            .await
            .unwrap();
        cookie.value().to_owned()
    }

    async fn signed_in_as(&self, user: &str, factors_expected: &[&str]) {
        assert_eq!(self.text("#view-signed-in #me-user").await, user);
        let factors = self
            .client
            .find_all(Locator::Css("#me-factors li"))
            .await
            .unwrap();
        let mut types = Vec::new();
        for item in factors {
            types.push(item.attr("data-type").await.unwrap().unwrap_or_default());
        }
        assert_eq!(types, factors_expected, "the session's factors");
        assert!(self.text("#me-session").await.starts_with("session-test-"));
        assert!(!self.text("#me-expires").await.is_empty());
    }
}

async fn walk(
    client: Client,
    url: String,
    emulator_url: String,
    screenshots: std::path::PathBuf,
) -> Secrets {
    let mut page = Page {
        client,
        screenshots,
        shots: 0,
    };
    let mut secrets = Secrets::default();

    // Start: an email address and a password, then "create an account".
    page.client.goto(&url).await.unwrap();
    page.type_into("#email", ADA).await;
    page.type_into("#password", PASSWORD).await;
    page.shot("sign-up").await;
    page.click("#sign-up-button").await;
    secrets.strings.push(PASSWORD.to_owned());

    // Enrolment: the QR code is read from the screenshot's pixels, as a phone would.
    page.visible("#qr[src^='data:image/png']").await;
    let png = page.shot("enrolment").await;
    let uri = decode_qr(&png).expect("a QR code in the enrolment screenshot");
    assert!(uri.starts_with("otpauth://totp/"), "{uri}");
    let totp = TOTP::from_url_unchecked(&uri).expect("a valid otpauth URI");
    let secret = totp.get_secret_base32();
    assert_eq!(
        page.text("#manual-key").await,
        secret,
        "the key to type by hand is the QR's"
    );
    let qr_src = page
        .visible("#qr")
        .await
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    let mut recovery_codes = Vec::new();
    for item in page
        .client
        .find_all(Locator::Css("#recovery-codes li"))
        .await
        .unwrap()
    {
        recovery_codes.push(item.text().await.unwrap());
    }
    assert_eq!(recovery_codes.len(), 10, "ten recovery codes");
    secrets.strings.extend([secret.clone(), qr_src]);
    secrets.strings.extend(recovery_codes.iter().cloned());

    // "Saved them": the codes leave the page and do not come back on reload.
    assert!(!page
        .visible("#saved-button")
        .await
        .is_enabled()
        .await
        .unwrap());
    page.click("#saved").await;
    page.click("#saved-button").await;
    page.visible("#view-code").await;
    let shown_once = |source: String| {
        recovery_codes.iter().all(|c| !source.contains(c.as_str())) && !source.contains(&secret)
    };
    assert!(
        shown_once(page.client.source().await.unwrap()),
        "codes gone after 'saved'"
    );

    // A wrong code: a message in words, and the form keeps what was typed.
    let code = totp.generate_current().unwrap();
    let wrong = wrong_code(&totp);
    page.type_into("#code", &wrong).await;
    page.click("#code-button").await;
    let message = page.text("#code-error").await;
    assert!(message.contains("not right"), "{message}");
    assert_eq!(page.value("#code").await, wrong);
    page.shot("wrong-code").await;

    // Stytch down (an injected 503): the page says so, with the request id to quote.
    page.type_into("#code", &code).await;
    inject_fault(&emulator_url, Operation::TotpsAuthenticate.path(), 503).await;
    page.click("#code-button").await;
    let message = page.text("#code-error").await;
    assert!(message.contains("unavailable"), "{message}");
    assert!(message.contains("request-id-test-"), "{message}");
    assert_eq!(page.value("#code").await, code, "the form keeps the code");
    page.shot("stytch-unavailable").await;

    // The right code again: signed in, the page shows the session from GET /me.
    page.click("#code-button").await;
    page.signed_in_as(ADA, &["password", "totp"]).await;
    page.shot("signed-in").await;
    secrets.strings.push(page.session_cookie().await);
    secrets.codes.extend([code.clone(), wrong]);
    page.client.refresh().await.unwrap();
    page.signed_in_as(ADA, &["password", "totp"]).await;
    assert!(
        shown_once(page.client.source().await.unwrap()),
        "nothing comes back on reload"
    );

    // The recovery codes need a code from the last STEP_UP_SECONDS: older, the page asks for
    // a fresh one (the next step's code: the current one was spent signing in).
    tokio::time::sleep(Duration::from_secs(STEP_UP_SECONDS + 2)).await;
    page.click("#show-codes-button").await;
    page.visible("#view-step-up").await;
    page.shot("step-up-prompt").await;
    let next = next_code(&totp, &code);
    page.type_into("#step-up-code", &next).await;
    page.click("#step-up-button").await;
    page.visible("#my-codes").await;
    let mut shown = Vec::new();
    for item in page
        .client
        .find_all(Locator::Css("#my-recovery-codes li"))
        .await
        .unwrap()
    {
        shown.push(item.text().await.unwrap());
    }
    assert_eq!(shown, recovery_codes, "the codes saved at enrolment");
    page.shot("recovery-codes-after-step-up").await;
    secrets.strings.push(page.session_cookie().await);
    secrets.codes.push(next);

    // Sign out, sign in with the password (one factor: the page asks for the code), then the
    // same code again: "already used".
    page.click("#logout-button").await;
    assert_eq!(page.text("#notice").await, "You are signed out.");
    page.shot("signed-out").await;
    assert_eq!(
        page.value("#email").await,
        ADA,
        "the address is kept for the next sign-in"
    );
    page.type_into("#password", PASSWORD).await;
    page.click("#sign-in-button").await;
    page.visible("#view-code").await;
    page.type_into("#code", &code).await;
    page.click("#code-button").await;
    let message = page.text("#code-error").await;
    assert!(message.contains("already used"), "{message}");
    assert_eq!(page.value("#code").await, code, "the form keeps the code");
    page.shot("code-already-used").await;

    // Lost the phone: a recovery code signs in.
    page.click("#lost-phone").await;
    page.type_into("#recovery-code", &recovery_codes[0]).await;
    page.shot("recovery-code").await;
    page.click("#recover-button").await;
    page.signed_in_as(ADA, &["password", "recovery_codes"])
        .await;
    page.shot("recovered").await;
    secrets.strings.push(page.session_cookie().await);
    let ada_id = page.text("#me-stytch-user").await;
    page.click("#logout-button").await;
    page.visible("#notice").await;

    // Signed out, nobody can enrol; a second person signs up and gets an enrolment of their
    // own, and verifying with the first person's code (naming her) is refused: every factor
    // route acts on the caller's own session.
    let (status, body) = post_from_page(&page.client, "/mfa/enroll", "{}").await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("not_signed_in")),
        "{body}"
    );
    page.type_into("#email", "bob@example.com").await;
    page.type_into("#password", PASSWORD).await;
    page.click("#sign-up-button").await;
    page.visible("#qr[src^='data:image/png']").await;
    let bobs = page.text("#manual-key").await;
    assert_ne!(bobs, secret, "an authenticator of his own");
    secrets.strings.push(bobs);
    let adas_code = totp.generate_current().unwrap();
    let forged = serde_json::json!({ "user_id": ada_id, "code": adas_code }).to_string();
    let (status, body) = post_from_page(&page.client, "/mfa/verify", &forged).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_code")),
        "{body}"
    );
    let (status, body) = post_from_page(
        &page.client,
        "/mfa/recover",
        &serde_json::json!({ "user_id": ada_id, "recovery_code": recovery_codes[1] }).to_string(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_recovery_code")),
        "{body}"
    );
    page.shot("second-person-enrolment").await;
    secrets.codes.push(adas_code);
    secrets
}

const ADA: &str = "ada@example.com";
const PASSWORD: &str = "plaid-Kettle-orbit-97-quasar";

/// POSTs `body` (JSON) to `path` with the page's own cookies, as a script on the page would;
/// the answer's status and JSON body.
async fn post_from_page(client: &Client, path: &str, body: &str) -> (u64, serde_json::Value) {
    let script = r#"
        const [path, body, done] = arguments;
        fetch(path, { method: "POST", credentials: "same-origin",
                      headers: { "content-type": "application/json" }, body })
          .then(async (r) => done([r.status, await r.json().catch(() => null)]));
    "#;
    let answer = client
        .execute_async(script, vec![path.into(), body.into()])
        .await
        .unwrap();
    (answer[0].as_u64().unwrap(), answer[1].clone())
}

/// The code of the next 30-second step (accepted now, one step ahead), unlike `used`.
fn next_code(totp: &TOTP, used: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let next = totp.generate(now + 30);
    assert_ne!(next, used, "a fresh code");
    next
}

/// Six digits that are none of the codes valid around now (previous, current, next step).
fn wrong_code(totp: &TOTP) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let valid = [now - 30, now, now + 30].map(|t| totp.generate(t));
    ["000000", "111111", "222222", "333333"]
        .into_iter()
        .find(|c| !valid.iter().any(|v| v == c))
        .unwrap()
        .to_owned()
}
