"""Stytch's Python SDK verifying one session JWT locally (authenticate_jwt_local), for
`cargo xtask bench`: python verify.py BASE_URL PROJECT_ID SECRET JWT ROUNDS CALLS_PER_ROUND.
Prints {"per_call_ns": [...], "version": "..."}."""

import json
import sys
import time
from importlib.metadata import version

import stytch

base_url, project_id, secret, jwt, rounds, per_round = sys.argv[1:7]
client = stytch.Client(project_id=project_id, secret=secret, environment=base_url)


def verify():
    session = client.sessions.authenticate_jwt_local(session_jwt=jwt)
    if session is None:
        raise SystemExit("the SDK did not verify the JWT locally")


for _ in range(200):  # fetches the keys
    verify()
per_call = []
for _ in range(int(rounds)):
    start = time.perf_counter_ns()
    for _ in range(int(per_round)):
        verify()
    per_call.append((time.perf_counter_ns() - start) / int(per_round))
print(json.dumps({"per_call_ns": per_call, "version": version("stytch")}))
