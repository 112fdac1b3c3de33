// Calls every operation of a running Athlos through a TypeScript client
// generated from /openapi.json with openapi-typescript and used with
// openapi-fetch, as a web or React Native team would, with no hand edits.
// Built and run by TestGeneratedTypeScriptClientCallsEveryOperation
// (modules); prints the operation ids it called, one a line, and exits 1
// at the first answer that is not what the document promises.
import { createHmac } from "node:crypto";
import createClient from "openapi-fetch";
import type { components, paths } from "./schema.js";

const base = process.argv[2];
const anon = createClient<paths>({ baseUrl: base });
let token = "";
const c = createClient<paths>({ baseUrl: base });
c.use({
  onRequest({ request }) {
    request.headers.set("Authorization", `Bearer ${token}`);
    return request;
  },
});

function check(op: string, response: Response, want: number, ok: boolean): void {
  if (response.status !== want || !ok) {
    throw new Error(`${op}: status ${response.status}, want ${want} with a typed body`);
  }
  console.log(op);
}

async function main(): Promise<void> {
  const jwks = await anon.GET("/.well-known/jwks.json");
  check("jwks", jwks.response, 200, jwks.data !== undefined);
  const st = await anon.GET("/v1/status/{module}", { params: { path: { module: "client" } } });
  check("get-module-status", st.response, 200, st.data?.module === "client");

  const email = `tsclient-${Date.now()}@example.com`;
  const password = "correct horse battery staple";
  const reg = await anon.POST("/v1/auth/register", { body: { email, password, first_name: "Ana" } });
  check("register", reg.response, 201, reg.data !== undefined);
  const login = await anon.POST("/v1/auth/login", {
    body: { email, password, device_token: reg.data?.device_token },
  });
  check("login", login.response, 200, login.data !== undefined);
  const ref = await anon.POST("/v1/auth/refresh", { body: { refresh_token: login.data!.refresh_token } });
  check("refresh", ref.response, 200, ref.data !== undefined);
  token = ref.data!.access_token;

  const me = await c.GET("/v1/me");
  check("get-me", me.response, 200, me.data?.first_name === "Ana");
  const gmc = await c.GET("/v1/me/marketing");
  check("get-marketing-consent", gmc.response, 200, gmc.data?.personalised_offers === true && gmc.data?.updated_at === null);
  const pmc = await c.PUT("/v1/me/marketing", { body: { personalised_offers: false } });
  check("put-marketing-consent", pmc.response, 200, pmc.data?.personalised_offers === false && typeof pmc.data?.updated_at === "string");
  const pm = await c.PATCH("/v1/me", { body: { weight_kg: 61.5, sex: "female" } });
  check("patch-me", pm.response, 200, pm.data?.weight_kg === 61.5);
  const cleared = await c.PATCH("/v1/me", { body: { weight_kg: null, sex: null } });
  if (cleared.response.status !== 200 || cleared.data?.weight_kg !== null || cleared.data?.sex !== null) {
    throw new Error(`patch-me with null: status ${cleared.response.status}`);
  }
  const rt = await c.GET("/v1/realtime");
  check("get-realtime", rt.response, 200, rt.data !== undefined);

  const gear = await c.POST("/v1/me/gear", { body: { type: "shoes", nickname: "red shoes" } });
  check("create-gear", gear.response, 201, gear.data !== undefined);
  const gearID = gear.data!.id;
  const gl = await c.GET("/v1/me/gear");
  check("list-gear", gl.response, 200, gl.data?.items.length === 1);
  const gg = await c.GET("/v1/me/gear/{id}", { params: { path: { id: gearID } } });
  check("get-gear", gg.response, 200, gg.data !== undefined);
  const gu = await c.PATCH("/v1/me/gear/{id}", { params: { path: { id: gearID } }, body: { retired: true } });
  check("update-gear", gu.response, 200, gu.data?.retired === true);
  const gd = await c.DELETE("/v1/me/gear/{id}", { params: { path: { id: gearID } } });
  check("delete-gear", gd.response, 204, true);

  const dev = await c.POST("/v1/me/devices", { body: { kind: "watch", sensors: ["gps", "heart_rate"] } });
  check("create-device", dev.response, 201, dev.data !== undefined);
  const dl = await c.GET("/v1/me/devices");
  check("list-devices", dl.response, 200, dl.data?.items.length === 1);

  const zc = await c.POST("/v1/me/privacy-zones", { body: { center: { lat: 52.52, lon: 13.405 }, radius_m: 500 } });
  check("create-privacy-zone", zc.response, 201, zc.data?.radius_m === 500);
  const zl = await c.GET("/v1/me/privacy-zones");
  check("list-privacy-zones", zl.response, 200, zl.data?.items.length === 1);
  const zpath = { params: { path: { id: zc.data!.id } } };
  const zp = await c.PATCH("/v1/me/privacy-zones/{id}", { ...zpath, body: { radius_m: 800 } });
  check("patch-privacy-zone", zp.response, 200, zp.data?.radius_m === 800);
  const zd = await c.DELETE("/v1/me/privacy-zones/{id}", zpath);
  check("delete-privacy-zone", zd.response, 204, true);

  const ex = await c.POST("/v1/exercises", {
    body: { name: "tsclient squat", muscle_groups: ["quadriceps", "glutes"], equipment: "barbell" },
  });
  check("create-exercise", ex.response, 201, ex.data?.own === true);
  const exPath = { params: { path: { id: ex.data!.id } } };
  const ge = await c.GET("/v1/exercises/{id}", exPath);
  check("get-exercise", ge.response, 200, ge.data?.name === "tsclient squat");
  const pe = await c.PATCH("/v1/exercises/{id}", { ...exPath, body: { name: "tsclient front squat" } });
  check("patch-exercise", pe.response, 200, pe.data?.name === "tsclient front squat");
  const le = await c.GET("/v1/exercises", { params: { query: { own: true } } });
  check("list-exercises", le.response, 200, le.data?.items.some((e) => e.id === ex.data!.id) === true);

  const ss = await c.POST("/v1/sessions", {
    body: { sport: "run", title: "tsclient run", visibility: "public", device_id: dev.data!.id },
  });
  check("start-session", ss.response, 201, ss.data !== undefined && ss.data.summary === undefined);
  const id = ss.data!.id;
  const start = Date.parse(ss.data!.started_at);
  const points = Array.from({ length: 120 }, (_, i) => ({
    t: new Date(start + i * 1000).toISOString(),
    lat: 52.5 + i * 0.00003,
    lon: 13.4,
    hr: 130 + (i % 20),
  }));
  const path = { params: { path: { id } } };
  const pts = await c.POST("/v1/sessions/{id}/points", { ...path, body: { points } });
  check("add-session-points", pts.response, 200, pts.data?.accepted === 120);
  const sh = await c.POST("/v1/sessions/{id}/share", path);
  check("share-session", sh.response, 200, (sh.data?.share_token ?? "") !== "");
  const w = await c.POST("/v1/sessions/{id}/watch", { ...path, body: { share_token: sh.data!.share_token } });
  check("watch-session", w.response, 200, (w.data?.subject ?? "") !== "");
  const lv = await anon.POST("/v1/live/{token}", { params: { path: { token: sh.data!.share_token } } });
  check("get-live-view", lv.response, 200, (lv.data?.subject ?? "") !== "" && (lv.data?.nats_token ?? "") !== "");
  const us = await c.DELETE("/v1/sessions/{id}/share", path);
  check("unshare-session", us.response, 204, true);
  const pa = await c.POST("/v1/sessions/{id}/pause", path);
  check("pause-session", pa.response, 200, pa.data?.state === "paused");
  const re = await c.POST("/v1/sessions/{id}/resume", path);
  check("resume-session", re.response, 200, re.data?.state === "active");
  const fin = await c.POST("/v1/sessions/{id}/finish", path);
  check("finish-session", fin.response, 200, fin.data?.summary !== undefined);
  const gs = await c.GET("/v1/sessions/{id}", path);
  check("get-session", gs.response, 200, gs.data?.summary?.points === 120);
  const ls = await c.GET("/v1/sessions", { params: { query: { sport: "run" } } });
  check("list-sessions", ls.response, 200, ls.data?.items.length === 1);
  const route = await c.GET("/v1/sessions/{id}/route", { params: { path: { id }, query: { simplified: true } } });
  check("session-route", route.response, 200, (route.data?.geometry.coordinates.length ?? 0) >= 2);
  const gpx = await c.GET("/v1/sessions/{id}/gpx", { ...path, parseAs: "text" });
  check("session-gpx", gpx.response, 200, typeof gpx.data === "string" && gpx.data.includes("<trkpt"));
  const ps = await c.PATCH("/v1/sessions/{id}", { ...path, body: { notes: "easy" } });
  check("patch-session", ps.response, 200, ps.data?.notes === "easy");
  const laps = await c.GET("/v1/sessions/{id}/laps", path);
  check("session-laps", laps.response, 200, laps.data?.items !== undefined);
  const se = await c.PUT("/v1/sessions/{id}/exercises", {
    ...path,
    body: { exercises: [{ exercise_id: ex.data!.id, sets: [{ reps: 5, weight_kg: 60 }, { reps: 5, weight_kg: 65 }] }] },
  });
  check("put-session-exercises", se.response, 200, se.data?.id === id);

  const form = new FormData();
  form.append("file", new Blob([gpx.data as string], { type: "application/gpx+xml" }), "run.gpx");
  form.append("title", "imported");
  const im = await c.POST("/v1/sessions/import", {
    // The document describes the form; the body is the FormData as is.
    body: form as unknown as never,
    bodySerializer: (b: unknown) => b as FormData,
  });
  check("import-session", im.response, im.response.status === 409 ? 409 : 201, im.response.status === 409 ? im.error !== undefined : im.data !== undefined);
  const ds = await c.DELETE("/v1/sessions/{id}", path);
  check("delete-session", ds.response, 204, true);
  const gone = await c.GET("/v1/sessions/{id}", path);
  if (gone.response.status !== 404 || gone.error?.status !== 404) {
    throw new Error(`get-session of a deleted session: status ${gone.response.status}`);
  }
  const dd = await c.DELETE("/v1/me/devices/{id}", { params: { path: { id: dev.data!.id } } });
  check("delete-device", dd.response, 204, true);
  const de = await c.DELETE("/v1/exercises/{id}", exPath);
  check("delete-exercise", de.response, 204, true);

  const sum = await c.GET("/v1/analytics/summary", { params: { query: { period: "all" } } });
  check("analytics-summary", sum.response, 200, sum.data !== undefined);
  const fit = await c.GET("/v1/analytics/fitness", { params: { query: { model: "exponential" } } });
  check("analytics-fitness", fit.response, 200, fit.data !== undefined);
  const rec = await c.GET("/v1/analytics/records");
  check("analytics-records", rec.response, 200, rec.data !== undefined);

  const plan = await c.POST("/v1/plans", {
    body: {
      sport: "run",
      goal: { kind: "fitness", weeks: 12 },
      schedule: { days: ["tuesday", "thursday", "saturday"], long_day: "saturday", max_minutes: 60 },
    },
  });
  check("create-plan", plan.response, 201, plan.data !== undefined);
  const planPath = { params: { path: { id: plan.data!.id } } };
  const gp = await c.GET("/v1/plans/{id}", planPath);
  check("get-plan", gp.response, 200, typeof gp.data === "object" && gp.data.id === plan.data!.id);
  const lp = await c.GET("/v1/plans");
  check("list-plans", lp.response, 200, lp.data?.items.some((p) => p.id === plan.data!.id) === true);
  const pp = await c.PATCH("/v1/plans/{id}", {
    ...planPath,
    body: { schedule: { days: ["monday", "wednesday", "friday", "sunday"], long_day: "sunday", max_minutes: 75 } },
  });
  check("patch-plan", pp.response, 200, pp.data?.schedule.max_minutes === 75);
  const ics = await c.GET("/v1/plans/{id}.ics", { ...planPath, parseAs: "text" });
  check("plan-calendar", ics.response, 200, typeof ics.data === "string" && ics.data.includes("BEGIN:VCALENDAR"));
  const lr = await c.GET("/v1/recommendations");
  check("list-recommendations", lr.response, 200, lr.data !== undefined);
  const first = lr.data!.items[0];
  if (first !== undefined) {
    // Ids look like next_workout:2026-12-07-1: openapi-fetch sends the
    // ":" as %3A, which the front decodes.
    const dr = await c.POST("/v1/recommendations/{id}/dismiss", { params: { path: { id: first.id } } });
    check("dismiss-recommendation", dr.response, 200, dr.data !== undefined);
  } else {
    // None to dismiss: an id that is not among them is a typed 404.
    const dr = await c.POST("/v1/recommendations/{id}/dismiss", { params: { path: { id: "tsclient-none" } } });
    check("dismiss-recommendation", dr.response, 404, dr.error?.status === 404);
  }
  const cf = await c.POST("/v1/plans/{id}/calendar-feed", planPath);
  check("create-plan-feed", cf.response, 201, cf.data?.path.startsWith("/v1/calendar/") === true);
  const feedToken = cf.data!.path.slice("/v1/calendar/".length, -".ics".length);
  const fc = await c.GET("/v1/calendar/{token}.ics", { params: { path: { token: feedToken } }, parseAs: "text" });
  check("plan-feed-calendar", fc.response, 200, typeof fc.data === "string" && fc.data.includes("BEGIN:VCALENDAR"));
  const df = await c.DELETE("/v1/plans/{id}/calendar-feed", planPath);
  check("delete-plan-feed", df.response, 204, true);
  const dp = await c.DELETE("/v1/plans/{id}", planPath);
  check("delete-plan", dp.response, 204, true);

  await groups();
  await notifications();

  await chat();
  await challenges();
  await follows();

  // Achievements (gamification, issue 14).
  await achievements();
  // Promo news (issue 15).
  await promoNews();
  // The operators' reports (issue 13).
  await operatorReports();
  // Promo offers (issue 15).
  await promoOffers();

  // Two-factor sign-in (issue 17).
  await twoFactor();

  const newPassword = "battery staple correct horse";
  const cp = await c.PUT("/v1/auth/password", { body: { current_password: password, new_password: newPassword } });
  check("change-password", cp.response, 204, true);
  const again = await anon.POST("/v1/auth/login", { body: { email, password: newPassword } });
  if (again.response.status !== 200 || again.data === undefined) {
    throw new Error(`login with the new password: status ${again.response.status}`);
  }
  const lo = await anon.POST("/v1/auth/logout", { body: { refresh_token: again.data.refresh_token } });
  check("logout", lo.response, 204, true);
  await dataExport();
  // Mail (issue 17): the links' tokens reach the mailbox only, so the
  // confirmations are called with a token no link had (400 body.token).
  const pr = await anon.POST("/v1/auth/password-reset", { body: { email } });
  check("request-password-reset", pr.response, 202, true);
  const unknownToken = "A".repeat(43);
  const pc = await anon.POST("/v1/auth/password-reset/confirm", { body: { token: unknownToken, password: "a password nobody sets" } });
  check("confirm-password-reset", pc.response, 400, pc.error !== undefined);
  const ve = await anon.POST("/v1/auth/verify-email", { body: { token: unknownToken } });
  check("verify-email", ve.response, 400, ve.error !== undefined);
  const rs = await c.POST("/v1/auth/verify-email/resend");
  check("resend-email-verification", rs.response, 202, true);
  const del = await c.DELETE("/v1/me", { body: { password: newPassword } });
  check("delete-me", del.response, 204, true);
}

// Every two-factor operation: Tia enrols an authenticator (the code
// computed here, RFC 6238), signs in with a recovery code in answer to
// the login's challenge, renews her recovery codes and turns it off.
async function twoFactor(): Promise<void> {
  const email = `tsclient-tia-${Date.now()}@example.com`;
  const password = "correct horse battery staple";
  const reg = await anon.POST("/v1/auth/register", { body: { email, password } });
  if (reg.data === undefined) {
    throw new Error(`register tia: status ${reg.response.status}`);
  }
  const tia = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${reg.data.access_token}` } });
  const st = await tia.GET("/v1/me/2fa");
  check("get-2fa", st.response, 200, st.data?.enabled === false);
  const start = await tia.POST("/v1/me/2fa/totp");
  check("start-totp", start.response, 200, start.data?.otpauth_uri.startsWith("otpauth://totp/") === true);
  const conf = await tia.POST("/v1/me/2fa/totp/confirm", { body: { code: totpCode(start.data!.secret, Date.now()), password } });
  check("confirm-totp", conf.response, 200, conf.data?.recovery_codes.length === 10);
  const codes = conf.data!.recovery_codes;
  const login = await anon.POST("/v1/auth/login", { body: { email, password } });
  const needed = login.error?.details as components["schemas"]["SecondFactorChallenge"] | undefined;
  if (login.response.status !== 401 || login.error?.code !== "second_factor_required" || !needed?.challenge) {
    throw new Error(`login with two-factor sign-in on: status ${login.response.status}`);
  }
  console.log("login");
  const l2 = await anon.POST("/v1/auth/login/2fa", { body: { challenge: needed.challenge, code: codes[0] } });
  check("login-2fa", l2.response, 200, l2.data?.access_token !== undefined);
  const renew = await tia.POST("/v1/me/2fa/recovery-codes", { body: { password, code: codes[1] } });
  check("renew-recovery-codes", renew.response, 200, renew.data?.recovery_codes.length === 10);
  const off = await tia.DELETE("/v1/me/2fa", { body: { password, code: renew.data!.recovery_codes[0] } });
  check("disable-2fa", off.response, 204, true);
}

// totpCode is the RFC 6238 code (HMAC-SHA1, 6 digits, 30 s) of a base32
// secret at a time in milliseconds, as an authenticator app computes it.
function totpCode(secret: string, ms: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const ch of secret) {
    bits += alphabet.indexOf(ch).toString(2).padStart(5, "0");
  }
  const key = Buffer.alloc(Math.floor(bits.length / 8));
  for (let i = 0; i < key.length; i++) {
    key[i] = parseInt(bits.slice(i * 8, i * 8 + 8), 2);
  }
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30000)));
  const sum = createHmac("sha1", key).update(counter).digest();
  const o = sum[sum.length - 1] & 0xf;
  return String((sum.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

// The caller's data export: asked for, waited for, downloaded.
async function dataExport(): Promise<void> {
  const ce = await c.POST("/v1/me/export");
  check("create-export", ce.response, 202, ce.data?.status !== undefined);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ge = await c.GET("/v1/me/export");
    check("get-export", ge.response, 200, ge.data?.id === ce.data?.id);
    if (ge.data?.status === "ready") break;
    if (ge.data?.status !== "pending" || Date.now() > deadline) {
      throw new Error(`get-export: status ${ge.data?.status}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const dl = await c.GET("/v1/me/export/download", { parseAs: "arrayBuffer" });
  const head = new Uint8Array((dl.data as ArrayBuffer | undefined) ?? new ArrayBuffer(0)).slice(0, 2);
  check("download-export", dl.response, 200, head[0] === 0x50 && head[1] === 0x4b);
}

// Every group operation: Ana (c) makes a private group; Bob asks to join,
// is rejected, approved, promoted, banned, let back by invitation,
// removed and made the owner; Ana leaves and Bob closes the group.
async function groups(): Promise<void> {
  const reg = await anon.POST("/v1/auth/register", {
    body: { email: `tsclient-bob-${Date.now()}@example.com`, password: "correct horse battery staple" },
  });
  if (reg.data === undefined) {
    throw new Error(`register bob: status ${reg.response.status}`);
  }
  const bobID = reg.data.user_id;
  const bob = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${reg.data.access_token}` } });
  const cg = await c.POST("/v1/groups", {
    body: { name: "Dawn Runners", visibility: "private", sports: ["run"], place: { lat: 52.52, lon: 13.405, radius_m: 5000 } },
  });
  check("create-group", cg.response, 201, cg.data !== undefined);
  const group = { params: { path: { id: cg.data!.id } } };
  const member = { params: { path: { id: cg.data!.id, user_id: bobID } } };
  const gg = await bob.GET("/v1/groups/{id}", group);
  check("get-group", gg.response, 200, gg.data?.membership === "none");
  const ug = await c.PATCH("/v1/groups/{id}", { ...group, body: { description: "Morning runs by the river" } });
  check("update-group", ug.response, 200, ug.data?.description === "Morning runs by the river");
  const sg = await bob.GET("/v1/groups", { params: { query: { near: "52.5,13.4", radius_m: 20000 } } });
  check("search-groups", sg.response, 200, sg.data?.items.length === 1 && sg.data.items[0].distance_m !== undefined);
  const join = async (): Promise<void> => {
    const jg = await bob.POST("/v1/groups/{id}/join", { ...group, body: {} });
    check("join-group", jg.response, 200, jg.data?.membership === "requested");
  };
  await join();
  const lr = await c.GET("/v1/groups/{id}/requests", group);
  check("list-group-requests", lr.response, 200, lr.data?.items.length === 1);
  const rr = await c.POST("/v1/groups/{id}/requests/{user_id}/reject", member);
  check("reject-group-request", rr.response, 204, true);
  await join();
  const ar = await c.POST("/v1/groups/{id}/requests/{user_id}/approve", member);
  check("approve-group-request", ar.response, 200, ar.data?.role === "member");
  const lm = await bob.GET("/v1/groups/{id}/members", group);
  check("list-group-members", lm.response, 200, lm.data?.items.length === 2);
  const sr = await c.PUT("/v1/groups/{id}/members/{user_id}/role", { ...member, body: { role: "admin" } });
  check("set-group-member-role", sr.response, 200, sr.data?.role === "admin");
  const bg = await c.PUT("/v1/groups/{id}/bans/{user_id}", member);
  check("ban-group-user", bg.response, 204, true);
  const lb = await c.GET("/v1/groups/{id}/bans", group);
  check("list-group-bans", lb.response, 200, lb.data?.items.length === 1);
  const ub = await c.DELETE("/v1/groups/{id}/bans/{user_id}", member);
  check("unban-group-user", ub.response, 204, true);
  const invite = async (): Promise<void> => {
    const ci = await c.POST("/v1/groups/{id}/invites", { ...group, body: {} });
    check("create-group-invite", ci.response, 201, ci.data?.token !== undefined);
    const jg = await bob.POST("/v1/groups/{id}/join", { ...group, body: { invite_token: ci.data!.token } });
    if (jg.data?.membership !== "member") {
      throw new Error(`join with an invitation: status ${jg.response.status}`);
    }
  };
  await invite();
  const li = await c.GET("/v1/groups/{id}/invites", group);
  check("list-group-invites", li.response, 200, li.data?.items.length === 1);
  const vi = await c.DELETE("/v1/groups/{id}/invites/{invite_id}", {
    params: { path: { id: cg.data!.id, invite_id: li.data!.items[0].id } },
  });
  check("revoke-group-invite", vi.response, 204, true);
  const rm = await c.DELETE("/v1/groups/{id}/members/{user_id}", member);
  check("remove-group-member", rm.response, 204, true);
  await invite();
  const tg = await c.POST("/v1/groups/{id}/transfer", { ...group, body: { user_id: bobID } });
  check("transfer-group", tg.response, 200, tg.data?.owner_id === bobID);
  const lg = await c.POST("/v1/groups/{id}/leave", group);
  check("leave-group", lg.response, 204, true);
  const dg = await bob.DELETE("/v1/groups/{id}", group);
  check("delete-group", dg.response, 204, true);
}

// Every notification operation: Ana (c) mutes and unmutes a group of
// hers, changes her settings (quiet hours too), registers a phone, lists
// and deletes it, reads her (empty) inbox, marks an unknown notification
// read (a typed 404) and all of them read.
async function notifications(): Promise<void> {
  const cg = await c.POST("/v1/groups", { body: { name: "Quiet Club" } });
  if (cg.data === undefined) {
    throw new Error(`create a group to mute: status ${cg.response.status}`);
  }
  const group = { params: { path: { id: cg.data.id } } };
  const mg = await c.PUT("/v1/groups/{id}/mute", group);
  check("mute-group", mg.response, 204, true);
  const gs = await c.GET("/v1/me/notification-settings");
  check("get-notification-settings", gs.response, 200, gs.data?.muted_groups[0] === cg.data.id);
  const ug = await c.DELETE("/v1/groups/{id}/mute", group);
  check("unmute-group", ug.response, 204, true);
  const us = await c.PATCH("/v1/me/notification-settings", {
    body: { muted_kinds: ["achievement"], quiet_hours: { start: "22:00", end: "07:00" } },
  });
  check("update-notification-settings", us.response, 200, us.data?.quiet_hours?.start === "22:00");
  const token = "0f".repeat(32);
  const ap = await c.POST("/v1/me/push-tokens", { body: { platform: "apns", token } });
  check("add-push-token", ap.response, 201, ap.data?.token_end === token.slice(-8));
  const lp = await c.GET("/v1/me/push-tokens");
  check("list-push-tokens", lp.response, 200, lp.data?.items.length === 1);
  const dp = await c.DELETE("/v1/me/push-tokens/{id}", { params: { path: { id: ap.data!.id } } });
  check("delete-push-token", dp.response, 204, true);
  const ln = await c.GET("/v1/notifications", { params: { query: { limit: 10 } } });
  check("list-notifications", ln.response, 200, ln.data?.unread_count === 0);
  const rn = await c.POST("/v1/notifications/{id}/read", group);
  check("read-notification", rn.response, 404, rn.error?.status === 404);
  const ra = await c.POST("/v1/notifications/read");
  check("read-all-notifications", ra.response, 200, ra.data?.marked === 0);
  const dg = await c.DELETE("/v1/groups/{id}", group);
  check("delete-group", dg.response, 204, true);
}

// The group chat (issue 13), in a group of the caller's own.
async function chat(): Promise<void> {
  const cg = await c.POST("/v1/groups", { body: { name: "tsclient chat" } });
  check("create-group", cg.response, 201, cg.data !== undefined);
  const group = { id: cg.data!.id };
  const pm = await c.POST("/v1/groups/{id}/messages", {
    params: { path: group },
    body: { text: "<b>plain</b> text", txn_id: "tsclient-1" },
  });
  check("post-message", pm.response, 201, pm.data?.text === "<b>plain</b> text");
  const msg = { ...group, message_id: pm.data!.id };
  const lm = await c.GET("/v1/groups/{id}/messages", { params: { path: group, query: { limit: 10 } } });
  check("list-messages", lm.response, 200, lm.data?.items.length === 1);
  const gm = await c.GET("/v1/groups/{id}/messages/{message_id}", { params: { path: msg } });
  check("get-message", gm.response, 200, gm.data?.id === msg.message_id);
  const em = await c.PATCH("/v1/groups/{id}/messages/{message_id}", { params: { path: msg }, body: { text: "edited" } });
  check("edit-message", em.response, 200, em.data?.edited_at !== null);
  const reaction = { ...msg, emoji: "👍" };
  const ar = await c.PUT("/v1/groups/{id}/messages/{message_id}/reactions/{emoji}", { params: { path: reaction } });
  check("add-reaction", ar.response, 200, ar.data?.reactions.length === 1);
  const rr = await c.DELETE("/v1/groups/{id}/messages/{message_id}/reactions/{emoji}", { params: { path: reaction } });
  check("remove-reaction", rr.response, 200, rr.data?.reactions.length === 0);
  const mr = await c.POST("/v1/groups/{id}/read", { params: { path: group }, body: { message_id: msg.message_id } });
  check("mark-group-read", mr.response, 200, mr.data?.last_read_id === msg.message_id);
  const un = await c.GET("/v1/me/unread");
  check("get-unread", un.response, 200, un.data?.total === 0);
  const ma = await c.POST("/v1/me/unread/mark-read");
  check("mark-all-read", ma.response, 200, ma.data !== undefined);
  const dm = await c.DELETE("/v1/groups/{id}/messages/{message_id}", { params: { path: msg } });
  check("delete-message", dm.response, 204, true);
}

// Every follow, block, feed and report operation: Sam approves followers;
// Fay asks to follow, is rejected, approved, removed, asks again and
// withdraws; Fay reads her feed and reports Sam in his group; Sam resolves
// it, blocks Fay and lifts the block.
async function follows(): Promise<void> {
  const register = async (name: string) => {
    const reg = await anon.POST("/v1/auth/register", {
      body: { email: `tsclient-${name}-${Date.now()}@example.com`, password: "correct horse battery staple" },
    });
    if (reg.data === undefined) {
      throw new Error(`register ${name}: status ${reg.response.status}`);
    }
    const client = createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${reg.data.access_token}` } });
    return { id: reg.data.user_id, client };
  };
  const sam = await register("sam");
  const fay = await register("fay");
  const us = await sam.client.PATCH("/v1/me/social", { body: { approve_followers: true } });
  check("update-social-settings", us.response, 200, us.data?.approve_followers === true);
  const gs = await sam.client.GET("/v1/me/social");
  check("get-social-settings", gs.response, 200, gs.data?.approve_followers === true);
  const samPath = { params: { path: { id: sam.id } } };
  const fayPath = { params: { path: { user_id: fay.id } } };
  // Social learns of new users by event: a follow may be 404 for a moment.
  const ask = async () => {
    for (let i = 0; i < 250; i++) {
      const fu = await fay.client.POST("/v1/users/{id}/follow", samPath);
      if (fu.response.status !== 404) {
        check("follow-user", fu.response, 200, fu.data?.state === "requested");
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error("follow-user: the user stayed unknown");
  };
  await ask();
  const lr = await sam.client.GET("/v1/me/follow-requests");
  check("list-follow-requests", lr.response, 200, lr.data?.items.length === 1);
  const rj = await sam.client.POST("/v1/me/follow-requests/{user_id}/reject", fayPath);
  check("reject-follow-request", rj.response, 204, true);
  await ask();
  const ap = await sam.client.POST("/v1/me/follow-requests/{user_id}/approve", fayPath);
  check("approve-follow-request", ap.response, 200, ap.data?.user_id === fay.id);
  const lf = await fay.client.GET("/v1/users/{id}/followers", samPath);
  check("list-followers", lf.response, 200, lf.data?.items.length === 1);
  // Her own list: social may not have heard of her registration yet.
  const lg = await fay.client.GET("/v1/users/{id}/following", { params: { path: { id: fay.id } } });
  check("list-following", lg.response, 200, lg.data?.items.length === 1);
  const fd = await fay.client.GET("/v1/feed");
  check("get-feed", fd.response, 200, fd.data !== undefined);
  // Leaderboards: Fay's place on the all-time distance board.
  const glb = await fay.client.GET("/v1/leaderboards", { params: { query: { period: "all", limit: 10 } } });
  check("get-leaderboard", glb.response, 200, glb.data?.period === "all");
  const rf = await sam.client.DELETE("/v1/me/followers/{user_id}", fayPath);
  check("remove-follower", rf.response, 204, true);
  await ask();
  const uf = await fay.client.DELETE("/v1/users/{id}/follow", samPath);
  check("unfollow-user", uf.response, 204, true);

  const cg = await sam.client.POST("/v1/groups", { body: { name: "Sam's" } });
  if (cg.data === undefined) {
    throw new Error(`create a group to report in: status ${cg.response.status}`);
  }
  const group = { params: { path: { id: cg.data.id } } };
  const jg = await fay.client.POST("/v1/groups/{id}/join", { ...group, body: {} });
  if (jg.response.status !== 200) {
    throw new Error(`join a group to report in: status ${jg.response.status}`);
  }
  const cr = await fay.client.POST("/v1/reports", {
    body: { user_id: sam.id, group_id: cg.data.id, reason: "harassment", text: "rude" },
  });
  check("create-report", cr.response, 201, cr.data?.status === "open");
  const lrp = await sam.client.GET("/v1/groups/{id}/reports", group);
  check("list-group-reports", lrp.response, 200, lrp.data?.items.length === 1);
  const rs = await sam.client.POST("/v1/groups/{id}/reports/{report_id}/resolve", {
    params: { path: { id: cg.data.id, report_id: cr.data!.id } },
    body: { resolution: "dismissed" },
  });
  check("resolve-group-report", rs.response, 200, rs.data?.status === "resolved");

  const bu = await sam.client.POST("/v1/users/{id}/block", { params: { path: { id: fay.id } } });
  check("block-user", bu.response, 204, true);
  const lb = await sam.client.GET("/v1/me/blocks");
  check("list-blocks", lb.response, 200, lb.data?.items.length === 1);
  const ub = await sam.client.DELETE("/v1/users/{id}/block", { params: { path: { id: fay.id } } });
  check("unblock-user", ub.response, 204, true);
}

// The achievements' operations: the catalogue and the user's own with the
// user's client, the admin API with an administrator's
// (ATHLOS_ADMIN_EMAIL and ATHLOS_ADMIN_PASSWORD, an account the test made
// an administrator).
async function achievements(): Promise<void> {
  const la = await c.GET("/v1/achievements");
  check("list-achievements", la.response, 200, (la.data?.items.length ?? 0) > 0);
  const ma = await c.GET("/v1/me/achievements");
  check("my-achievements", ma.response, 200, (ma.data?.level ?? 0) >= 1);

  const admin = await administrator();
  const id = `tsclient_${Date.now()}`;
  const rule = {
    metric: "distance_m" as const,
    sport: "ride" as const,
    tiers: [{ name: "bronze", threshold: 15000, points: 5 }],
  };
  const ca = await admin.POST("/v1/admin/achievements", { body: { id, name: "Ride 15 km", rule } });
  check("create-achievement", ca.response, 201, ca.data?.version === 1);
  const al = await admin.GET("/v1/admin/achievements", { params: { query: { include_retired: true } } });
  check("admin-list-achievements", al.response, 200, (al.data?.items.length ?? 0) > 0);
  const path = { params: { path: { id } } };
  const ra = await admin.PUT("/v1/admin/achievements/{id}", {
    ...path,
    body: { name: "Ride 15 km", rule: { ...rule, tiers: [...rule.tiers, { name: "silver", threshold: 30000, points: 5 }] } },
  });
  check("replace-achievement", ra.response, 200, ra.data?.version === 2);
  const bf = await admin.POST("/v1/admin/achievements/{id}/backfill", path);
  check("backfill-achievement", bf.response, 202, bf.data?.achievement_id === id);
  const ga = await admin.GET("/v1/admin/achievements/{id}", path);
  check("admin-get-achievement", ga.response, 200, ga.data?.backfill !== undefined);
  const rt = await admin.DELETE("/v1/admin/achievements/{id}", path);
  check("retire-achievement", rt.response, 204, true);
}

// The offers' operations: the administrator adds an untargeted offer
// running now; the user is served it, asks why, reports its impression and
// a click and dismisses it; the administrator lists, reads, patches it,
// reads its figures and deletes it.
async function promoOffers(): Promise<void> {
  const admin = await administrator();
  const now = Date.now();
  const co = await admin.POST("/v1/admin/offers", {
    body: {
      name: "tsclient shoes", content: { en: { title: "Shoes" } }, default_language: "en",
      cta_url: "https://shop.example/shoes", starts_at: new Date(now - 3600_000).toISOString(),
      ends_at: new Date(now + 3600_000).toISOString(), budget: { impressions: 100 },
    },
  });
  check("create-offer", co.response, 201, co.data !== undefined);
  const path = { params: { path: { id: co.data!.id } } };
  const lo = await c.GET("/v1/offers");
  check("list-offers", lo.response, 200, (lo.data?.items.length ?? 0) > 0);
  const wo = await c.GET("/v1/offers/{id}/why", path);
  check("why-offer", wo.response, 200, wo.data?.eligible === true);
  const oi = await c.POST("/v1/offers/{id}/impression", path);
  check("offer-impression", oi.response, 200, oi.data?.counted === true);
  const ok = await c.POST("/v1/offers/{id}/click", path);
  check("offer-click", ok.response, 200, ok.data?.counted === true);
  const dm = await c.POST("/v1/offers/{id}/dismiss", path);
  check("dismiss-offer", dm.response, 204, true);
  const al = await admin.GET("/v1/admin/offers", { params: { query: { limit: 10 } } });
  check("admin-list-offers", al.response, 200, (al.data?.items.length ?? 0) > 0);
  const ag = await admin.GET("/v1/admin/offers/{id}", path);
  check("admin-get-offer", ag.response, 200, ag.data?.spent.impressions === 1);
  const po = await admin.PATCH("/v1/admin/offers/{id}", { ...path, body: { name: "tsclient shoes, renamed" } });
  check("patch-offer", po.response, 200, po.data?.name === "tsclient shoes, renamed");
  const st = await admin.GET("/v1/admin/offers/{id}/stats", path);
  check("offer-stats", st.response, 200, st.data?.clicks === 1 && st.data?.days.length === 1);
  const de = await admin.DELETE("/v1/admin/offers/{id}", path);
  check("delete-offer", de.response, 204, true);
}

// The news' operations: the admin API with an administrator's client (an
// item published a minute ago in English, the user's language), the feed
// and the item with the user's.
async function promoNews(): Promise<void> {
  const admin = await administrator();
  const publishAt = new Date(Date.now() - 60_000).toISOString();
  const cn = await admin.POST("/v1/admin/news", {
    body: { title: "Spring ride", language: "en", body: "**Ride** with us: [details](https://example.com/spring)",
      sports: ["ride"], regions: ["DE"], publish_at: publishAt, pinned: true },
  });
  check("create-news", cn.response, 201, cn.data?.state === "published");
  const id = cn.data?.id ?? "";
  const path = { params: { path: { id } } };
  const al = await admin.GET("/v1/admin/news", { params: { query: { state: "published", limit: 10 } } });
  check("admin-list-news", al.response, 200, (al.data?.items.length ?? 0) > 0);
  const ag = await admin.GET("/v1/admin/news/{id}", path);
  check("admin-get-news", ag.response, 200, ag.data?.body_html.includes('rel="nofollow noopener"') ?? false);
  const un = await admin.PATCH("/v1/admin/news/{id}", { ...path, body: { title: "Spring ride, Sunday", expires_at: null } });
  check("update-news", un.response, 200, un.data?.title === "Spring ride, Sunday");
  const ln = await c.GET("/v1/news", { params: { query: { limit: 5 } } });
  check("list-news", ln.response, 200, ln.data?.items[0]?.id === id);
  const gn = await c.GET("/v1/news/{id}", path);
  check("get-news", gn.response, 200, gn.data?.html.includes("<strong>Ride</strong>") ?? false);
  const dn = await admin.DELETE("/v1/admin/news/{id}", path);
  check("delete-news", dn.response, 204, true);
}

// A client that calls as the administrator (ATHLOS_ADMIN_EMAIL and
// ATHLOS_ADMIN_PASSWORD, an account the test made an administrator).
async function administrator(): Promise<ReturnType<typeof createClient<paths>>> {
  const login = await anon.POST("/v1/auth/login", {
    body: { email: process.env.ATHLOS_ADMIN_EMAIL ?? "", password: process.env.ATHLOS_ADMIN_PASSWORD ?? "" },
  });
  if (login.data === undefined) {
    throw new Error(`sign in as the administrator: status ${login.response.status}`);
  }
  const admin = createClient<paths>({ baseUrl: base });
  const adminToken = login.data.access_token;
  admin.use({
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${adminToken}`);
      return request;
    },
  });
  return admin;
}

// The operators' reports: the administrator reports the user outside any
// group, lists every report and resolves it.
async function operatorReports(): Promise<void> {
  const admin = await administrator();
  const me = await c.GET("/v1/me");
  const cr = await admin.POST("/v1/reports", { body: { user_id: me.data?.user_id ?? "", reason: "spam" } });
  if (cr.data === undefined) {
    throw new Error(`report outside groups: status ${cr.response.status}`);
  }
  const lr = await admin.GET("/v1/admin/reports", { params: { query: { outside_groups: true } } });
  check("list-all-reports", lr.response, 200, (lr.data?.items.length ?? 0) >= 1);
  const rr = await admin.POST("/v1/admin/reports/{id}/resolve", {
    params: { path: { id: cr.data.id } },
    body: { resolution: "dismissed" },
  });
  check("resolve-report", rr.response, 200, rr.data?.status === "resolved");
}

main().catch((err: unknown) => {
  console.error("tsclient:", err);
  process.exit(1);
});

// Every challenge operation: Cleo makes a group and, once gamification
// knows she owns it, a team challenge for it; Dan joins the group and the
// challenge, reads it, the list and both leaderboards, and leaves.
async function challenges(): Promise<void> {
  const signUp = async (name: string) => {
    const reg = await anon.POST("/v1/auth/register", {
      body: { email: `tsclient-${name}-${Date.now()}@example.com`, password: "correct horse battery staple" },
    });
    if (reg.data === undefined) {
      throw new Error(`register ${name}: status ${reg.response.status}`);
    }
    return { id: reg.data.user_id, client: createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${reg.data.access_token}` } }) };
  };
  const cleo = await signUp("cleo");
  const dan = await signUp("dan");
  const cg = await cleo.client.POST("/v1/groups", { body: { name: "Hill Climbers" } });
  if (cg.data === undefined) {
    throw new Error(`create a group: status ${cg.response.status}`);
  }
  await dan.client.POST("/v1/groups/{id}/join", { params: { path: { id: cg.data.id } }, body: {} });
  const now = Date.now();
  const body = {
    title: "Hill month", kind: "most_activity" as const, metric: "distance" as const,
    starts_at: new Date(now).toISOString(), ends_at: new Date(now + 30 * 86400_000).toISOString(),
    group_id: cg.data.id, team_mode: "teams" as const, team_names: ["Red", "Blue"],
  };
  // The module learns of the group's members from social's events: 403
  // until it has.
  let cc = await cleo.client.POST("/v1/challenges", { body });
  for (let i = 0; i < 100 && cc.response.status === 403; i++) {
    await new Promise((r) => setTimeout(r, 100));
    cc = await cleo.client.POST("/v1/challenges", { body });
  }
  check("create-challenge", cc.response, 201, cc.data?.teams.length === 2);
  const path = { params: { path: { id: cc.data!.id } } };
  let jc = await dan.client.POST("/v1/challenges/{id}/join", { ...path, body: {} });
  for (let i = 0; i < 100 && (jc.response.status === 403 || jc.response.status === 404); i++) {
    await new Promise((r) => setTimeout(r, 100));
    jc = await dan.client.POST("/v1/challenges/{id}/join", { ...path, body: {} });
  }
  check("join-challenge", jc.response, 200, jc.data?.you !== undefined);
  const lc = await dan.client.GET("/v1/challenges", { params: { query: { filter: "mine" } } });
  check("list-challenges", lc.response, 200, lc.data?.items.length === 1);
  const gc = await dan.client.GET("/v1/challenges/{id}", path);
  check("get-challenge", gc.response, 200, gc.data?.participants === 1);
  const lb = await dan.client.GET("/v1/challenges/{id}/leaderboard", { params: { path: { id: cc.data!.id }, query: { board: "teams" } } });
  check("get-challenge-leaderboard", lb.response, 200, lb.data?.items.length === 2 && lb.data?.you !== undefined);
  const lv = await dan.client.POST("/v1/challenges/{id}/leave", path);
  check("leave-challenge", lv.response, 204, true);
}
