"""Stytch's official Python SDK (`pip install stytch`) against the emulator: a password
sign-up and sign-in (the first factor) start a session, and a TOTP code sent with that
session's token steps it up: same session, factors `password` then `totp`, both in the JWT,
which the SDK verifies locally against the emulator's JWKS.

Run `stytch-totp serve` first and export the three variables it prints:

    cargo run -p stytch-totp-cli -- serve &
    export STYTCH_BASE_URL=... STYTCH_PROJECT_ID=... STYTCH_SECRET=...
    python3 interop/python_passwords.py

Exits non-zero (with the SDK's error) on the first call that does not behave as Stytch's API.
"""

import os
import sys
import time
import uuid

import stytch
from stytch.core.response_base import StytchError

from python_sessions import totp_code

PASSWORD = "plaid-Kettle-orbit-97-quasar"


def factor_types(session) -> list:
    return [str(getattr(f.type, "value", f.type)) for f in session.authentication_factors]


def refused(call, expected: str) -> None:
    try:
        call()
    except StytchError as error:
        assert error.details.error_type == expected, error
        print(f"    refused as expected: {error.details.status_code} {expected}")
    else:
        sys.exit(f"expected {expected}, but the call succeeded")


def main() -> None:
    base_url = os.environ["STYTCH_BASE_URL"].rstrip("/") + "/"
    client = stytch.Client(
        project_id=os.environ["STYTCH_PROJECT_ID"],
        secret=os.environ["STYTCH_SECRET"],
        environment=base_url,
        suppress_warnings=True,
    )
    print(f"stytch {stytch.version.__version__} (Python) -> emulator at {base_url}")
    email = f"python-{uuid.uuid4().hex[:8]}@example.com"

    strength = client.passwords.strength_check(password=PASSWORD, email=email)
    assert strength.valid_password, strength
    print(f"passwords.strength_check   ok  score {strength.score}, policy {strength.strength_policy}")
    weak = client.passwords.strength_check(password="password1")
    assert not weak.valid_password
    print(f"passwords.strength_check   ok  'password1' scores {weak.score}: {weak.feedback.warning}")

    created = client.passwords.create(email=email, password=PASSWORD)
    assert created.user.password is not None
    print(f"passwords.create           ok  {created.user_id} ({created.email_id})")
    refused(lambda: client.passwords.create(email=email, password=PASSWORD), "duplicate_email")
    refused(
        lambda: client.passwords.create(email=f"weak-{email}", password="password1"),
        "weak_password",
    )

    signed_in = client.passwords.authenticate(
        email=email, password=PASSWORD, session_duration_minutes=60
    )
    first = signed_in.session
    assert factor_types(first) == ["password"], factor_types(first)
    print(f"passwords.authenticate     ok  session {first.session_id}, factors {factor_types(first)}")
    refused(
        lambda: client.passwords.authenticate(email=email, password="not-the-password"),
        "unauthorized_credentials",
    )
    refused(
        lambda: client.passwords.authenticate(email=f"nobody-{email}", password=PASSWORD),
        "email_not_found",
    )

    totp = client.totps.create(user_id=created.user_id)
    stepped = client.totps.authenticate(
        user_id=created.user_id,
        totp_code=totp_code(totp.secret, time.time()),
        session_token=signed_in.session_token,
    )
    session = stepped.session
    assert session.session_id == first.session_id, (session.session_id, first.session_id)
    assert factor_types(session) == ["password", "totp"], factor_types(session)
    print(f"totps.authenticate         ok  step-up: session {session.session_id}, factors {factor_types(session)}")

    local = client.sessions.authenticate_jwt_local(session_jwt=stepped.session_jwt)
    assert local is not None and local.session_id == first.session_id
    assert factor_types(local) == ["password", "totp"], factor_types(local)
    print(f"sessions.authenticate_jwt_local ok  {local.session_id}, factors {factor_types(local)}")

    recovered = client.totps.recover(
        user_id=created.user_id,
        recovery_code=totp.recovery_codes[0],
        session_jwt=stepped.session_jwt,
    )
    assert recovered.session.session_id == first.session_id
    print(f"totps.recover              ok  step-up by JWT, factors {factor_types(recovered.session)}")

    client.sessions.revoke(session_id=first.session_id)
    refused(
        lambda: client.totps.authenticate(
            user_id=created.user_id,
            totp_code=totp_code(totp.secret, time.time() + 30),
            session_token=signed_in.session_token,
        ),
        "session_not_found",
    )
    client.users.delete(user_id=created.user_id)
    print("Stytch's Python SDK ran the password + TOTP step-up flow against the emulator")


if __name__ == "__main__":
    main()
