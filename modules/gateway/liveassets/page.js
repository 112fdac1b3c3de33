// The live-tracking page (/live/<share token>): Athlos's own script, no
// framework. It asks the front for what the link shows and for a watch
// credential (POST /v1/live/<token>), draws it, and follows the session's
// live figures over NATS WebSocket (the vendored nats.ws client) on the one
// subject the credential may subscribe to. Before the credential expires it
// asks for a new one and moves to a new connection; when the server closes
// the connection (the link was revoked, the session ended) it asks again
// and says why there is nothing more to show.
import { connect } from "./nats.js";

const token = decodeURIComponent(location.pathname.split("/").filter(Boolean).pop() || "");
const tiles = document.querySelector('meta[name="athlos-live-tiles"]')?.content || "";
const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";
const decoder = new TextDecoder();

let nc = null;          // the current NATS connection
let refreshTimer = 0;   // the next credential refresh
let ended = false;      // nothing more to follow
let figures = null;     // the latest figures
let figuresAt = 0;      // when they arrived (ms)
let parts = [];         // the visible track: parts of [lat, lon]
let lastHidden = true;  // the last figures had no position: a new part starts

// ---- what the page shows ---------------------------------------------------

function message(text, kind) {
  const m = $("message");
  m.textContent = text;
  m.dataset.kind = kind || "error";
}

function two(n) { return String(Math.floor(n)).padStart(2, "0"); }

function duration(s) {
  s = Math.max(0, Math.floor(s));
  return (s >= 3600 ? Math.floor(s / 3600) + ":" : "") + two((s % 3600) / 60) + ":" + two(s % 60);
}

function pace(sPerKm) {
  if (!sPerKm || !isFinite(sPerKm) || sPerKm > 3600) return "–";
  return Math.floor(sPerKm / 60) + ":" + two(sPerKm % 60) + " /km";
}

function showFigures(f) {
  figures = f;
  figuresAt = Date.now();
  $("distance").textContent = ((f.distance_m || 0) / 1000).toFixed(2) + " km";
  $("pace").textContent = pace(f.pace_s_per_km || f.avg_pace_s_per_km);
  $("hr").textContent = f.hr_bpm ? f.hr_bpm + " bpm" : "–";
  const st = $("state");
  st.dataset.state = f.state;
  st.textContent = f.state === "paused" ? "paused" : f.state === "active" ? "live" : "";
  $("updated").textContent = "Updated " + new Date().toLocaleTimeString();
  tick();
}

// tick shows the elapsed time, counting on from the latest figures while
// the session is running.
function tick() {
  if (!figures) return;
  let s = figures.elapsed_time_s || 0;
  if (figures.state === "active" && !ended) s += (Date.now() - figuresAt) / 1000;
  $("elapsed").textContent = duration(s);
}

// ---- the track -------------------------------------------------------------

// Web Mercator, in pixels of a 256-pixel world at zoom 0.
function project(lat, lon) {
  const s = Math.sin(Math.max(-85.05, Math.min(85.05, lat)) * Math.PI / 180);
  return [(lon + 180) / 360 * 256, (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)) * 256];
}

function draw() {
  const svg = $("map");
  const w = svg.clientWidth || 600, h = svg.clientHeight || 400;
  svg.replaceChildren();
  const pts = parts.flat();
  svg.dataset.points = String(pts.length);
  if (pts.length === 0) {
    svg.setAttribute("viewBox", `0 0 ${w} ${h}`);
    return;
  }
  const p0 = pts.map(([lat, lon]) => project(lat, lon));
  let [minX, minY] = p0[0], [maxX, maxY] = p0[0];
  for (const [x, y] of p0) {
    minX = Math.min(minX, x); maxX = Math.max(maxX, x);
    minY = Math.min(minY, y); maxY = Math.max(maxY, y);
  }
  // The zoom that fits the track, at most 17 (a few metres a pixel).
  const fit = Math.min((w * 0.85) / Math.max(maxX - minX, 1e-9), (h * 0.85) / Math.max(maxY - minY, 1e-9));
  const z = Math.max(1, Math.min(17, Math.floor(Math.log2(fit))));
  const k = 2 ** z;
  const cx = (minX + maxX) / 2 * k, cy = (minY + maxY) / 2 * k;
  const x0 = cx - w / 2, y0 = cy - h / 2;
  svg.setAttribute("viewBox", `${x0} ${y0} ${w} ${h}`);
  if (tiles) {
    const n = 2 ** z;
    for (let ty = Math.floor(y0 / 256); ty <= Math.floor((y0 + h) / 256); ty++) {
      if (ty < 0 || ty >= n) continue;
      for (let tx = Math.floor(x0 / 256); tx <= Math.floor((x0 + w) / 256); tx++) {
        const img = document.createElementNS(SVG, "image");
        const url = tiles.replace("{z}", z).replace("{x}", ((tx % n) + n) % n).replace("{y}", ty);
        img.setAttribute("href", url);
        img.setAttribute("x", tx * 256); img.setAttribute("y", ty * 256);
        img.setAttribute("width", 256); img.setAttribute("height", 256);
        svg.append(img);
      }
    }
  }
  for (const part of parts) {
    const line = document.createElementNS(SVG, "polyline");
    line.setAttribute("points", part.map(([lat, lon]) => {
      const [x, y] = project(lat, lon);
      return (x * k).toFixed(1) + "," + (y * k).toFixed(1);
    }).join(" "));
    svg.append(line);
  }
  const [lat, lon] = pts[pts.length - 1];
  const [x, y] = project(lat, lon);
  const dot = document.createElementNS(SVG, "circle");
  dot.setAttribute("cx", x * k); dot.setAttribute("cy", y * k); dot.setAttribute("r", 6);
  svg.append(dot);
}

function addPosition(p) {
  if (!p) { lastHidden = true; return; }
  const last = parts.at(-1)?.at(-1);
  if (last && last[0] === p.lat && last[1] === p.lon) return;
  if (lastHidden || parts.length === 0) parts.push([]);
  parts.at(-1).push([p.lat, p.lon]);
  lastHidden = false;
  draw();
}

// ---- the link and the live connection -------------------------------------

async function fetchView() {
  const r = await fetch("/v1/live/" + encodeURIComponent(token), {
    method: "POST", headers: { Accept: "application/json" }, cache: "no-store",
  });
  if (r.ok) return { view: await r.json() };
  let problem = {};
  try { problem = await r.json(); } catch { /* not JSON */ }
  return { status: r.status, problem };
}

function stop(text, kind) {
  ended = true;
  clearTimeout(refreshTimer);
  const old = nc;
  nc = null;
  old?.close();
  message(text, kind);
  tick();
}

// refused says why the link shows nothing (more).
function refused(status, problem) {
  switch (status) {
    case 404:
    case 400:
      return stop("This live link does not work (any more): the athlete stopped sharing it, or it never existed.");
    case 410:
      return stop("The session has ended: there is nothing more to follow live.", "info");
    case 429:
      message("Too many requests from your network: trying again shortly…");
      return retry((problem.retry_after_s || 5) * 1000);
    default:
      message("The server is not answering: trying again…");
      return retry(5000);
  }
}

function retry(ms) {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(load, ms);
}

function showView(v) {
  $("name").textContent = v.athlete_name || "An athlete";
  $("sport").textContent = (v.sport || "").replaceAll("_", " ");
  $("started").textContent = "Started " + new Date(v.started_at).toLocaleString();
  document.title = (v.athlete_name || "An athlete") + " — live";
  parts = (v.track || []).map((part) => part.map((p) => [p.lat, p.lon]));
  lastHidden = !v.figures?.position;
  showFigures(v.figures);
  draw();
}

// load asks for the view and a fresh credential, and follows the session
// on a new connection (then closes the old one, so no figure is missed).
async function load() {
  if (ended) return;
  let got;
  try {
    got = await fetchView();
  } catch {
    message("The server is not answering: trying again…");
    return retry(5000);
  }
  if (!got.view) return refused(got.status, got.problem);
  const v = got.view;
  showView(v);
  const servers = v.websocket_urls?.length ? v.websocket_urls : [v.websocket_url];
  let conn;
  try {
    conn = await connect({ servers, token: v.nats_token, reconnect: false, name: "athlos live page" });
  } catch {
    message("Cannot open the live connection: trying again…");
    return retry(5000);
  }
  const old = nc;
  nc = conn;
  old?.close();
  $("message").textContent = "";
  const sub = conn.subscribe(v.subject);
  (async () => {
    for await (const m of sub) {
      let f;
      try { f = JSON.parse(decoder.decode(m.data)); } catch { continue; }
      showFigures(f);
      addPosition(f.position);
    }
  })();
  conn.closed().then(() => {
    // Closed by the server (link revoked, session ended, credential
    // expired): ask again, which says which.
    if (nc === conn && !ended) {
      nc = null;
      load();
    }
  });
  clearTimeout(refreshTimer);
  const left = new Date(v.expires_at).getTime() - Date.now();
  refreshTimer = setTimeout(load, Math.max(5000, left - 60000));
}

if (!/^[A-Za-z0-9_-]{32}$/.test(token)) {
  stop("This is not a live link: check the address you were sent.");
} else {
  load();
}
setInterval(tick, 1000);
addEventListener("resize", draw);
