// An Athlos app's real-time flow with nats.js v3 (docs/configuration.md,
// "Real-time (NATS WebSocket) and the auth callout"): sign in, keep the
// access token fresh over HTTP, connect to NATS over WebSocket with a token
// authenticator and the user's inbox prefix, start a session, publish its
// telemetry through JetStream (a Nats-Msg-Id on every message, kept until
// its PubAck) and follow its live figures on the same connection.
//
//   npm ci
//   ATHLOS_URL=http://localhost:8080 ATHLOS_EMAIL=you@example.com ATHLOS_PASSWORD=... node realtime.mjs
//
// It prints what happens as JSON lines. Node 22 and later have a WebSocket
// of their own; older Node needs one supplied (the ws package, below).
import { tokenAuthenticator, wsconnect } from "@nats-io/nats-core";
import { JetStreamApiError, jetstream } from "@nats-io/jetstream";

if (typeof globalThis.WebSocket === "undefined") {
  globalThis.WebSocket = (await import("ws")).WebSocket; // Node < 22
}

const base = process.env.ATHLOS_URL ?? "http://localhost:8080";
const messages = Number(process.env.MESSAGES ?? 10); // one a second
const log = (event) => console.log(JSON.stringify(event));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(method, path, body, token) {
  const headers = { "Content-Type": "application/json" };
  if (token) headers.Authorization = `Bearer ${token}`;
  const res = await fetch(base + path, { method, headers, body: body && JSON.stringify(body) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

// Sign in. The access token lives expires_in seconds (15 minutes): refresh
// it at half its life, so that a reconnect always finds a valid one. Each
// refresh token works once: keep the new one.
let tokens = await call("POST", "/v1/auth/login", {
  email: process.env.ATHLOS_EMAIL,
  password: process.env.ATHLOS_PASSWORD,
});
const user = tokens.user_id;
let refreshes = 0;
let refreshTimer;
let nc; // the NATS connection, below
function keepFresh(delay = tokens.expires_in * 500) {
  refreshTimer = setTimeout(async () => {
    try {
      tokens = await call("POST", "/v1/auth/refresh", { refresh_token: tokens.refresh_token });
      log({ refreshed: ++refreshes, expires_in: tokens.expires_in });
      keepFresh();
    } catch (err) {
      log({ refresh_failed: String(err) });
      if (String(err).includes(": 401 ")) {
        // The sign-in ended (logout, a password change): sign in again.
        // No fresh token will come, so stop the connection's reconnects.
        await nc?.close();
        return;
      }
      keepFresh(1000);
    }
  }, delay);
}
keepFresh();

// Where to connect, and the only inbox prefix the server answers on.
const rt = await call("GET", "/v1/realtime", null, tokens.access_token);
nc = await wsconnect({
  servers: rt.websocket_urls,
  // Called at every connect and reconnect: the current token. The server
  // closes the connection when the token it was made with expires
  // (AUTHENTICATION_EXPIRED), and the client reconnects with this one.
  authenticator: tokenAuthenticator(() => tokens.access_token),
  inboxPrefix: rt.inbox_prefix,
  maxReconnectAttempts: -1,
  // Tokens expire and are replaced on a timer (above): an auth error on a
  // reconnect (a token that expired on the way) passes with the next one,
  // so the client keeps trying instead of giving up after two such errors
  // in a row (nats.js's default); a refresh refused (401) closes it.
  ignoreAuthErrorAbort: true,
  timeout: 10_000,
});
let reconnects = 0;
(async () => {
  for await (const s of nc.status()) {
    if (s.type === "reconnect") log({ reconnected: ++reconnects });
    if (s.type === "error") log({ error: String(s.error) });
  }
})();

// What the server refused of what was published, and the live figures of
// all the user's sessions, those started later too.
nc.subscribe(`refused.${user}`, { callback: (err, m) => err || log({ refused: m.json() }) });
const figures = nc.subscribe(`live.session.${user}.>`);
await nc.flush();

// The session starts after connecting: no reconnect needed for its figures.
const session = await call("POST", "/v1/sessions", { sport: "run" }, tokens.access_token);
log({ session: session.id });

const js = jetstream(nc);
const subject = `live.telemetry.${user}.${session.id}`;

// A message is kept until its PubAck, and sent again with the same
// Nats-Msg-Id until then: the server stores it once.
async function publish(data, msgID) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await js.publish(subject, data, { msgID, timeout: 5000 });
    } catch (err) {
      // 400: it can never be stored; 429 and 503: later; no answer: again.
      if (err instanceof JetStreamApiError && err.status === 400) throw err;
      // A closed connection stays closed: connect anew (sign in first).
      if (nc.isClosed()) throw err;
      log({ retry: msgID, attempt, error: String(err) });
      await sleep(1000);
    }
  }
}

let lat = 52.5;
let last = Date.now();
for (let i = 1; i <= messages; i++) {
  const now = Date.now();
  lat += (3 * (now - last)) / 1000 / 111_257; // 3 m/s northwards
  last = now;
  const telemetry = { points: [{ t: new Date(now).toISOString(), lat, lon: 13.4, hr: 140 }] };
  const ack = await publish(JSON.stringify(telemetry), `${session.id}-${i}`);
  log({ telemetry, ack });
  await sleep(1000);
}

// The figures of the session, up to its last point.
for await (const m of figures) {
  const f = m.json();
  log({ figures: f, subject: m.subject });
  if (f.session_id === session.id && f.points === messages) break;
}
clearTimeout(refreshTimer);
log({ done: { refreshes, reconnects } });
await nc.drain();
