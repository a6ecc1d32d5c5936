"""Stytch's official Python SDK (`pip install stytch`) against the emulator: TOTP sign-in,
then the sessions calls, including the SDK's local JWT verification against the JWKS.

Run `stytch-totp serve` first and export the three variables it prints:

    cargo run -p stytch-totp-cli -- serve &
    export STYTCH_BASE_URL=... STYTCH_PROJECT_ID=... STYTCH_SECRET=...
    python3 interop/python_sessions.py

Exits non-zero (with the SDK's error) on the first call that does not behave as Stytch's API.
"""

import base64
import hashlib
import hmac
import os
import struct
import sys
import time
import uuid

import stytch
from stytch.core.response_base import StytchError


def totp_code(secret_b32: str, at: float) -> str:
    """RFC 6238 (SHA-1, 30 s, 6 digits), what an authenticator app shows at `at`."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    digest = hmac.new(key, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def main() -> None:
    base_url = os.environ["STYTCH_BASE_URL"].rstrip("/") + "/"
    project_id = os.environ["STYTCH_PROJECT_ID"]
    client = stytch.Client(
        project_id=project_id,
        secret=os.environ["STYTCH_SECRET"],
        environment=base_url,
        suppress_warnings=True,
    )
    print(f"stytch {stytch.version.__version__} (Python) -> emulator at {base_url}")

    user = client.users.create(email=f"python-{uuid.uuid4().hex[:8]}@example.com")
    totp = client.totps.create(user_id=user.user_id)
    auth = client.totps.authenticate(
        user_id=user.user_id,
        totp_code=totp_code(totp.secret, time.time()),
        session_duration_minutes=60,
        session_custom_claims={"plan": "pro"},
    )
    print(f"totps.authenticate         ok  session {auth.session.session_id}")

    # Local verification: the SDK fetches the JWKS (no credentials) and checks the RS256
    # signature, iss, aud and exp itself; no call to the sessions API.
    local = client.sessions.authenticate_jwt_local(session_jwt=auth.session_jwt)
    assert local is not None, "local verification failed"
    assert local.session_id == auth.session.session_id
    assert local.user_id == user.user_id
    assert local.custom_claims.get("plan") == "pro", local.custom_claims
    print(
        f"sessions.authenticate_jwt_local ok  {local.session_id}, "
        f"{len(local.authentication_factors)} factor(s), claims {local.custom_claims}"
    )

    jwt_auth = client.sessions.authenticate_jwt(session_jwt=auth.session_jwt)
    print(f"sessions.authenticate_jwt  ok  {jwt_auth.session.session_id}")

    by_token = client.sessions.authenticate(
        session_token=auth.session_token, session_duration_minutes=120
    )
    print(f"sessions.authenticate      ok  expires {by_token.session.expires_at}")

    listed = client.sessions.get(user_id=user.user_id)
    assert len(listed.sessions) == 1
    print(f"sessions.get               ok  {len(listed.sessions)} active session(s)")

    jwks = client.sessions.get_jwks(project_id=project_id)
    print(f"sessions.get_jwks          ok  kid {jwks.keys[0].kid}")

    client.sessions.revoke(session_id=auth.session.session_id)
    print("sessions.revoke            ok")
    try:
        client.sessions.authenticate(session_token=auth.session_token)
    except StytchError as error:
        assert error.details.error_type == "session_not_found", error
        print(f"sessions.authenticate (revoked) refused as expected: {error.details.error_type}")
    else:
        sys.exit("a revoked session was accepted")
    print("Stytch's Python SDK ran the TOTP and sessions flow against the emulator")


if __name__ == "__main__":
    main()
