/**
 * The dashboard page: one hand-written HTML document with inline CSS and
 * script, fed by Server-Sent Events from /api/events (falls back to polling
 * /api/state if EventSource fails). No framework, no external requests.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mspass scheduler</title>
<style>
  :root { --bg:#0f1419; --panel:#182028; --text:#d8dee6; --muted:#8593a3; --ok:#3fb950; --err:#f85149; --run:#d29922; --wait:#58a6ff; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; align-items:baseline; gap:1rem; padding:.8rem 1.2rem; border-bottom:1px solid #2a3440; }
  header h1 { font-size:1.1rem; margin:0; }
  #conn { font-size:.85rem; color:var(--muted); }
  #conn.live { color:var(--ok); }
  main { display:grid; grid-template-columns: 1fr 1fr; gap:1rem; padding:1rem 1.2rem; }
  section { background:var(--panel); border-radius:6px; padding:.8rem 1rem; min-width:0; }
  section.wide { grid-column: 1 / -1; }
  h2 { font-size:.8rem; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:0 0 .6rem; }
  #counts { display:flex; gap:1rem; }
  .count { flex:1; text-align:center; padding:.4rem; border-radius:4px; background:#111820; }
  .count b { display:block; font-size:1.6rem; font-variant-numeric:tabular-nums; }
  .count.waiting b { color:var(--wait); } .count.processing b { color:var(--run); }
  .count.done b { color:var(--ok); } .count.erred b { color:var(--err); }
  .row { display:grid; grid-template-columns: 12rem 1fr 9rem; gap:.6rem; align-items:center; margin:.25rem 0; }
  .row .name { overflow:hidden; text-overflow:ellipsis; white-space:nowrap; font-family:ui-monospace, monospace; }
  .bar { position:relative; height:14px; background:#0b1016; border-radius:3px; overflow:hidden; display:flex; }
  .bar span { display:block; height:100%; }
  .bar .ok { background:var(--ok); } .bar .err { background:var(--err); } .bar .mem { background:var(--wait); }
  .num { text-align:right; font-variant-numeric:tabular-nums; color:var(--muted); }
  canvas { width:100%; height:160px; display:block; background:#0b1016; border-radius:4px; }
  table { width:100%; border-collapse:collapse; font-variant-numeric:tabular-nums; }
  th, td { text-align:left; padding:.25rem .4rem; border-bottom:1px solid #24303c; }
  th { color:var(--muted); font-weight:normal; }
  .empty { color:var(--muted); font-style:italic; }
</style>
</head>
<body>
<header><h1>mspass scheduler</h1><span id="conn">connecting…</span><span id="uptime" class="num"></span></header>
<main>
  <section class="wide"><h2>Tasks</h2>
    <div id="counts">
      <div class="count waiting"><b id="n-waiting">0</b>waiting</div>
      <div class="count processing"><b id="n-processing">0</b>processing</div>
      <div class="count done"><b id="n-done">0</b>done</div>
      <div class="count erred"><b id="n-erred">0</b>erred</div>
    </div>
  </section>
  <section class="wide"><h2>Task stream (one row per worker; colour = task name, red = erred)</h2><canvas id="stream" width="1200" height="160"></canvas></section>
  <section><h2>Progress by task name</h2><div id="progress"><div class="empty">no tasks yet</div></div></section>
  <section><h2>Workers</h2>
    <table><thead><tr><th>worker</th><th>status</th><th>processing</th><th>done</th><th>erred</th><th style="width:35%">memory</th></tr></thead>
    <tbody id="workers"></tbody></table>
    <div class="num" id="recovery"></div>
  </section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const fmtBytes = (b) => b >= 1 << 30 ? (b / (1 << 30)).toFixed(1) + " GiB" : (b / (1 << 20)).toFixed(1) + " MiB";
const color = (name) => { let h = 0; for (const c of name) h = (h * 31 + c.charCodeAt(0)) >>> 0; return "hsl(" + (h % 360) + ",65%,55%)"; };
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) { if (k === "style") e.style.cssText = v; else e.setAttribute(k, v); }
  for (const k of kids) e.append(k);
  return e;
}
function bar(parts) {
  const b = el("div", { class: "bar" });
  for (const [cls, frac] of parts) b.append(el("span", { class: cls, style: "width:" + Math.max(0, Math.min(100, frac * 100)).toFixed(2) + "%" }));
  return b;
}
function renderCounts(c) { for (const k of ["waiting", "processing", "done", "erred"]) $("n-" + k).textContent = c[k]; }
function renderProgress(groups) {
  const box = $("progress");
  if (groups.length === 0) return;
  box.replaceChildren(...groups.map((g) => {
    const t = Math.max(g.total, 1);
    const row = el("div", { class: "row", "data-group": g.name },
      el("div", { class: "name", title: g.name }, g.name),
      bar([["ok", g.done / t], ["err", (g.erred + g.cancelled) / t]]),
      el("div", { class: "num" }, g.done + g.erred + g.cancelled + " / " + g.total + (g.erred ? " (" + g.erred + " erred)" : "")));
    return row;
  }));
}
function renderWorkers(ws, st) {
  $("workers").replaceChildren(...ws.map((w) => {
    const m = w.memory;
    const memCell = el("td", {}, m ? bar([["mem", m.used / m.limit]]) : "–");
    if (m) memCell.title = fmtBytes(m.used) + " of " + fmtBytes(m.limit);
    if (m) memCell.append(el("div", { class: "num" }, fmtBytes(m.used) + " / " + fmtBytes(m.limit)));
    return el("tr", { "data-worker": w.id }, el("td", {}, w.name), el("td", {}, w.status), el("td", {}, String(w.processing)),
      el("td", {}, String(w.done)), el("td", {}, String(w.erred)), memCell);
  }));
  $("recovery").textContent = st.restarts || st.reruns ? "worker restarts: " + st.restarts + ", tasks re-run after a crash: " + st.reruns : "";
}
function renderStream(st) {
  const cv = $("stream");
  const W = cv.clientWidth || 1200, H = cv.clientHeight || 160;
  if (cv.width !== W) cv.width = W;
  if (cv.height !== H) cv.height = H;
  const ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, W, H);
  const workers = st.workers.map((w) => w.id);
  for (const s of st.stream) if (!workers.includes(s.worker)) workers.push(s.worker);
  if (workers.length === 0) return;
  const rowH = Math.max(8, Math.floor((H - 16) / workers.length));
  // Zoom to the activity shown: at least 5 s, at most the 30 s the server sends.
  let first = st.time;
  for (const s of st.stream) first = Math.min(first, s.start);
  const span = Math.min(30000, Math.max(5000, (st.time - first) * 1.1));
  const t1 = st.time, t0 = t1 - span, x = (t) => 24 + ((t - t0) / (t1 - t0)) * (W - 24);
  ctx.font = "11px ui-monospace, monospace";
  workers.forEach((id, i) => { ctx.fillStyle = "#8593a3"; ctx.fillText("w" + id, 2, i * rowH + rowH / 2 + 4); });
  for (const s of st.stream) {
    const i = workers.indexOf(s.worker);
    const x0 = Math.max(24, x(s.start)), x1 = Math.max(x0 + 1, x(s.end));
    ctx.fillStyle = s.erred ? "#f85149" : color(s.name);
    ctx.fillRect(x0, i * rowH + 2, x1 - x0, rowH - 4);
  }
  ctx.fillStyle = "#8593a3";
  ctx.fillText("-" + (span / 1000).toFixed(0) + " s", 26, H - 3);
  ctx.fillText("now", W - 24, H - 3);
}
function render(st) {
  renderCounts(st.counts);
  renderProgress(st.groups);
  renderWorkers(st.workers, st);
  renderStream(st);
  $("uptime").textContent = "up " + Math.round((st.time - st.started) / 1000) + " s";
  document.body.dataset.updated = String(st.time);
}
function connect() {
  const es = new EventSource("/api/events");
  es.onopen = () => { $("conn").textContent = "live"; $("conn").className = "live"; };
  es.onmessage = (ev) => render(JSON.parse(ev.data));
  es.onerror = () => { $("conn").textContent = "reconnecting…"; $("conn").className = ""; };
}
fetch("/api/state").then((r) => r.json()).then(render).catch(() => {});
connect();
</script>
</body>
</html>
`;
