// mfa-service pages: vanilla JavaScript over the service's JSON routes (the API stays the
// contract). Enrolment secrets and recovery codes live only in this page's memory: they are
// never stored, and leave the page once the person confirms they saved them.
"use strict";

const $ = (id) => document.getElementById(id);
const VIEWS = ["view-start", "view-enroll", "view-code", "view-recover", "view-signed-in", "view-step-up"];
let email = "";

function show(view) {
  for (const id of VIEWS) $(id).hidden = id !== view;
  for (const who of document.querySelectorAll(".who")) who.textContent = email;
  const first = $(view).querySelector("input:not([type=checkbox]), button");
  if (first) first.focus();
}

function notice(text) {
  $("notice").textContent = text || "";
  $("notice").hidden = !text;
}

function setError(id, text) {
  $(id).textContent = text || "";
  $(id).hidden = !text;
}

/** Words a person understands for the service's error answers. */
function describe(status, body) {
  const error = body && body.error;
  const ref = body && body.request_id ? ` (Reference for support: ${body.request_id})` : "";
  switch (error) {
    case "invalid_code":
      return "That code is not right. Type the 6 digits your app shows now, and check that your phone sets its clock automatically.";
    case "code_already_used":
      return "This code was already used. Wait for your app to show the next code (it changes every 30 seconds), then type that one.";
    case "invalid_recovery_code":
      return "That recovery code is not valid or was already used. Each recovery code works only once.";
    case "user_locked": {
      const until = body.lock_expires_at ? ` until ${new Date(body.lock_expires_at).toLocaleString()}` : " for a while";
      return `Too many wrong attempts: signing in is locked${until}.`;
    }
    case "invalid_credentials":
      return "The email address or the password is not right.";
    case "email_taken":
      return "There is already an account with this email address: choose \u201cSign in\u201d.";
    case "weak_password":
      return "This password is too easy to guess. Choose a longer one, a few unusual words for example.";
    case "not_found":
      return "You have not set up an authenticator app yet. Sign out and sign in again to set it up.";
    case "already_enrolled":
      return "You already have an authenticator app: type its code.";
    case "enrollment_expired":
      return "The set-up expired before it was finished. Start the set-up again.";
    case "enrollment_pending":
      return "A set-up is waiting for its first code: type the code from your app.";
    case "stytch_unavailable": {
      const spent = body.outcome_unknown ? " If your code is then refused, use the next one your app shows." : "";
      return "Signing in is unavailable right now. Please try again in a moment." + spent + ref;
    }
    case "not_signed_in":
    case "invalid_session":
    case "session_ended":
      return "Your session has ended. Please sign in again.";
    case "factors_required":
      return "Type the code from your authenticator app (or a recovery code) to finish signing in.";
    case "step_up_required":
      return "Type a new code from your app to see this.";
    case "bad_request":
      return body.message;
    default:
      return ((body && body.message) || `Something went wrong (HTTP ${status}).`) + ref;
  }
}

/** Calls a JSON route; resolves to the body, or throws an Error whose message is for people. */
async function api(method, path, body) {
  let response;
  try {
    response = await fetch(path, {
      method,
      credentials: "same-origin",
      headers: body ? { "content-type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (_) {
    throw new Error("The service could not be reached. Check your connection and try again.");
  }
  const json = await response.json().catch(() => null);
  if (!response.ok) {
    const error = new Error(describe(response.status, json));
    error.code = json && json.error;
    throw error;
  }
  return json;
}

/** Runs `work` with the form's buttons disabled; shows its error in `errorId`. */
async function busy(form, errorId, work) {
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => (b.disabled = true));
  setError(errorId, "");
  try {
    await work();
  } catch (error) {
    setError(errorId, error.message);
  } finally {
    buttons.forEach((b) => (b.disabled = b.id === "saved-button" && !$("saved").checked));
  }
}

const FACTOR_NAMES = { password: "Password", totp: "Authenticator app code", recovery_codes: "Recovery code" };

function when(iso) {
  return iso ? new Date(iso).toLocaleString() : "";
}

async function showSignedIn(known) {
  const me = known || (await api("GET", "/me"));
  forgetMyCodes();
  email = me.email || email;
  $("me-user").textContent = me.email || me.user_id;
  $("me-stytch-user").textContent = me.user_id;
  $("me-session").textContent = me.session_id;
  $("me-factors").replaceChildren(
    ...me.factors.map((f) => {
      const item = document.createElement("li");
      item.textContent = `${FACTOR_NAMES[f.type] || f.type}${f.last_authenticated_at ? ", " + when(f.last_authenticated_at) : ""}`;
      item.dataset.type = f.type;
      return item;
    }),
  );
  $("me-started").textContent = when(me.started_at);
  $("me-expires").textContent = when(me.expires_at);
  $("me-checked").textContent =
    me.checked === "locally" ? "JWT verified by this service (no call to Stytch)" : "by Stytch, with a fresh JWT";
  setError("signed-in-error", "");
  show("view-signed-in");
}

/** Shows the caller's recovery codes; asks for a fresh code first when the service wants one. */
async function showMyCodes() {
  let answer;
  try {
    answer = await api("POST", "/mfa/recovery-codes");
  } catch (error) {
    if (error.code !== "step_up_required") throw error;
    $("step-up-code").value = "";
    setError("step-up-error", "");
    return show("view-step-up");
  }
  $("my-recovery-codes").replaceChildren(
    ...answer.recovery_codes.map((code) => {
      const item = document.createElement("li");
      item.textContent = code;
      return item;
    }),
  );
  $("my-codes").hidden = false;
  show("view-signed-in");
}

function forgetMyCodes() {
  $("my-recovery-codes").replaceChildren();
  $("my-codes").hidden = true;
}

function forgetEnrolment() {
  $("qr").removeAttribute("src");
  $("manual-key").textContent = "";
  $("recovery-codes").replaceChildren();
  $("saved").checked = false;
  $("saved-button").disabled = true;
}

/** Starts enrolment for the signed-in user: the QR code, the key and the recovery codes. */
async function enroll() {
  const enrolled = await api("POST", "/mfa/enroll");
  $("qr").src = enrolled.qr_code;
  $("manual-key").textContent = enrolled.secret;
  $("recovery-codes").replaceChildren(
    ...enrolled.recovery_codes.map((code) => {
      const item = document.createElement("li");
      item.textContent = code;
      return item;
    }),
  );
  show("view-enroll");
}

$("start-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const action = event.submitter ? event.submitter.value : "login";
  const emailInput = $("email");
  const passwordInput = $("password");
  busy(event.target, "start-error", async () => {
    notice("");
    email = emailInput.value.trim();
    if (!email || !emailInput.checkValidity()) {
      emailInput.focus();
      throw new Error("Type your email address.");
    }
    if (!passwordInput.value) {
      passwordInput.focus();
      throw new Error("Type your password.");
    }
    const signedIn = await api("POST", action === "signup" ? "/signup" : "/login", {
      email,
      password: passwordInput.value,
    });
    passwordInput.value = "";
    if (signedIn.totp_enrolled) return show("view-code");
    await enroll();
  });
});

$("saved").addEventListener("change", () => ($("saved-button").disabled = !$("saved").checked));

$("saved-form").addEventListener("submit", (event) => {
  event.preventDefault();
  if (!$("saved").checked) return;
  forgetEnrolment();
  show("view-code");
});

$("code-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("code");
  busy(event.target, "code-error", async () => {
    const code = input.value.replace(/\s/g, "");
    if (!/^[0-9]{6}$/.test(code)) throw new Error("Type the 6 digits your app shows.");
    await api("POST", "/mfa/verify", { code });
    input.value = "";
    await showSignedIn();
  });
});

$("recover-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("recovery-code");
  busy(event.target, "recover-error", async () => {
    const recoveryCode = input.value.trim();
    if (!recoveryCode) throw new Error("Type one of your recovery codes.");
    await api("POST", "/mfa/recover", { recovery_code: recoveryCode });
    input.value = "";
    await showSignedIn();
  });
});

$("lost-phone").addEventListener("click", () => show("view-recover"));
$("use-app").addEventListener("click", () => show("view-code"));
for (const back of document.querySelectorAll(".back")) {
  back.addEventListener("click", async () => {
    await api("POST", "/logout").catch(() => null);
    show("view-start");
  });
}

$("show-codes-button").addEventListener("click", () => {
  busy($("view-signed-in"), "signed-in-error", showMyCodes);
});

$("step-up-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("step-up-code");
  busy(event.target, "step-up-error", async () => {
    const code = input.value.replace(/\s/g, "");
    if (!/^[0-9]{6}$/.test(code)) throw new Error("Type the 6 digits your app shows.");
    await api("POST", "/mfa/verify", { code });
    input.value = "";
    await showSignedIn(); // the factor's new time
    await showMyCodes();
  });
});

$("step-up-cancel").addEventListener("click", () => show("view-signed-in"));

$("logout-button").addEventListener("click", () => {
  busy($("view-signed-in"), "signed-in-error", async () => {
    await api("POST", "/logout");
    forgetMyCodes();
    $("email").value = email;
    notice("You are signed out.");
    show("view-start");
  });
});

// Signed in already (the session cookie)? Show the session; half signed in (password only)?
// Ask for the code; otherwise start.
api("GET", "/me").then(
  (me) => showSignedIn(me),
  (error) => show(error.code === "factors_required" ? "view-code" : "view-start"),
);
