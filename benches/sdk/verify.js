// Stytch's Node SDK verifying one session JWT locally (authenticateJwtLocal), for
// `cargo xtask bench`: node verify.js BASE_URL PROJECT_ID SECRET JWT ROUNDS CALLS_PER_ROUND.
// Prints {"per_call_ns": [...], "version": "..."}; `stytch` resolves through NODE_PATH.
const stytch = require("stytch");
const path = require("path");
const fs = require("fs");
// `stytch/package.json` is not an exported path: read it from NODE_PATH.
const version = JSON.parse(
  fs.readFileSync(path.join(process.env.NODE_PATH, "stytch", "package.json"), "utf8"),
).version;

const [baseUrl, projectId, secret, jwt, rounds, perRound] = process.argv.slice(2);

async function main() {
  const client = new stytch.Client({ project_id: projectId, secret, env: baseUrl });
  const verify = () => client.sessions.authenticateJwtLocal({ session_jwt: jwt });
  for (let i = 0; i < 200; i++) await verify(); // fetches the keys, warms the JIT
  const perCall = [];
  for (let r = 0; r < Number(rounds); r++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < Number(perRound); i++) await verify();
    perCall.push(Number(process.hrtime.bigint() - start) / Number(perRound));
  }
  console.log(JSON.stringify({ per_call_ns: perCall, version }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
