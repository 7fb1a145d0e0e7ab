#!/usr/bin/env node
// End-to-end measurement and smoke test of the graph page, in Debian's headless Chromium.
//
//   npm run build && node test/e2e/graph-perf.mjs [--fixture FILE] [--base URL] [--shots DIR]
//                                                [--viewport 1366x800]
//
// Without --base it serves, on 127.0.0.1 only, a static copy of the page skeleton the C
// server renders (with the production CSP header), app/static/, and a fixture document
// at /api/graph built from ../shared/data (or read from --fixture). With --base it drives
// an already running server instead (only the performance part and the read-only checks).
//
// Reports: time to first render, whether the WebGL canvases hold a picture, per-frame
// render cost and frame intervals while panning and zooming, bundle size, and functional
// checks (search, panel links, bands toggle, escaping of hostile names, HTTP error state,
// CSP violations). Screenshots go to --shots (default /tmp/music-graph-shots).
// Ends with a "N passed, N failed" line; exits 1 if any check failed.
import http from "node:http";
import { readFileSync, statSync, mkdtempSync, mkdirSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, resolve, join, extname, normalize, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { chromium } from "playwright-core";
import { buildGraph } from "./make-fixture-graph.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const staticDir = join(repo, "app", "static");
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
};
const shotsDir = resolve(arg("--shots", "/tmp/music-graph-shots"));
const externalBase = arg("--base", null);
const [VW, VH] = arg("--viewport", "1366x800").split("x").map(Number);
mkdirSync(shotsDir, { recursive: true });

function dataDir() {
  for (const c of [resolve(repo, "..", "shared", "data"), "/work/shared/data"]) {
    if (existsSync(join(c, "musicbrainz", "genres.csv"))) return c;
  }
  throw new Error("shared/data not found; pass --fixture FILE");
}

// --------------------------------------------------------------------------- server

export const SKELETON = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Music Graph</title><link rel="stylesheet" href="/static/css/site.css"><script src="/static/js/graph.bundle.js" defer></script></head>
<body class="page-graph">
<header class="site-header"><a class="brand" href="/">Music Graph</a><nav class="site-nav"><a href="/">Graph</a> <a href="/genres">Genres</a> <a href="/bands">Bands</a></nav></header>
<main class="graph-layout">
  <section class="graph-wrap"><div id="graph" data-api="/api/graph" aria-label="Genre graph"></div><p id="graph-status" role="status">Loading graph…</p></section>
  <aside id="panel"><form id="search-form" role="search" action="/search" method="get"><label for="search" class="visually-hidden">Search</label><input id="search" name="q" type="search" placeholder="Search genres and bands" autocomplete="off"><ul id="search-results" role="listbox"></ul></form>
  <div id="details"><h2>Music Graph</h2><p>Click a genre to see its details and show its bands.</p></div></aside>
</main>
<footer class="site-footer"><p>Genre data from MusicBrainz (CC0 1.0).</p></footer>
</body></html>`;

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";
const TYPES = { ".js": "text/javascript", ".css": "text/css", ".map": "application/json", ".png": "image/png", ".svg": "image/svg+xml" };

function startServer(state) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const send = (code, type, body, extra = {}) => {
      res.writeHead(code, { "Content-Type": type, "Cache-Control": "no-store", "Content-Security-Policy": CSP, ...extra });
      res.end(body);
    };
    if (url.pathname === "/api/graph") {
      if (state.apiStatus !== 200) return send(state.apiStatus, "application/json", '{"error":"unavailable"}');
      const body = state.api === "hostile" ? state.hostileBody : state.body;
      return setTimeout(() => send(200, "application/json; charset=utf-8", body), state.apiDelay || 0);
    }
    if (url.pathname.startsWith("/static/")) {
      const p = normalize(join(staticDir, decodeURIComponent(url.pathname.slice("/static/".length))));
      if (!p.startsWith(staticDir + sep)) return send(403, "text/plain", "forbidden");
      try {
        return send(200, TYPES[extname(p)] || "application/octet-stream", readFileSync(p));
      } catch (e) {
        return send(404, "text/plain", "not found");
      }
    }
    if (url.pathname === "/" || url.pathname === "/index.html") return send(200, "text/html; charset=utf-8", SKELETON);
    return send(404, "text/html; charset=utf-8", "<!DOCTYPE html><title>404</title><p>not found</p>");
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

// --------------------------------------------------------------------------- helpers

const results = [];
function check(name, ok, detail = "") {
  results.push({ name, ok: !!ok, detail });
  console.log(`${ok ? "  ok  " : "  FAIL"} ${name}${detail ? ` — ${detail}` : ""}`);
}
const pct = (arr, p) => {
  if (!arr.length) return NaN;
  const s = [...arr].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const stats = (arr) => ({
  n: arr.length,
  mean: arr.length ? arr.reduce((a, b) => a + b, 0) / arr.length : NaN,
  p50: pct(arr, 50),
  p95: pct(arr, 95),
  max: arr.length ? Math.max(...arr) : NaN,
});
const fmt = (s) => `n=${s.n} mean=${s.mean.toFixed(1)} p50=${s.p50.toFixed(1)} p95=${s.p95.toFixed(1)} max=${s.max.toFixed(1)} ms`;

const ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

// Installed before any page script: records CSP violations, dialogs, frame intervals.
function initScript() {
  window.__mg = { csp: [], frames: [], longtasks: [], recording: false };
  document.addEventListener("securitypolicyviolation", (e) =>
    window.__mg.csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`),
  );
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__mg.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch (e) {
    /* not supported */
  }
  let last = 0;
  const tick = (t) => {
    if (window.__mg.recording && last) window.__mg.frames.push(t - last);
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

async function waitReady(page, timeout = 30000) {
  await page.waitForFunction(
    () => document.documentElement.dataset.graphReady === "1" || document.querySelector("#graph-status.is-error"),
    null,
    { timeout },
  );
}

// Counts pixels drawn on sigma's canvases (WebGL layers are copied in the same task
// as a render, before the drawing buffer is cleared).
async function canvasInk(page) {
  return page.evaluate(() => {
    const r = window.musicGraph.renderer;
    r.render();
    const out = {};
    const canvases = r.getCanvases();
    for (const id of ["edges", "nodes", "labels"]) {
      const c = canvases[id];
      if (!c) continue;
      const tmp = document.createElement("canvas");
      tmp.width = c.width;
      tmp.height = c.height;
      const ctx = tmp.getContext("2d");
      ctx.drawImage(c, 0, 0);
      const d = ctx.getImageData(0, 0, tmp.width, tmp.height).data;
      let ink = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
      out[id] = { ink, total: tmp.width * tmp.height };
    }
    out.labelsDrawn = window.musicGraph.labels.lastCount;
    return out;
  });
}

// Wraps sigma's render() to time each call (the CPU cost of a frame).
async function instrumentRender(page) {
  await page.evaluate(() => {
    const r = window.musicGraph.renderer;
    if (r.__timed) return;
    r.__timed = true;
    window.__mg.renders = [];
    const orig = r.render.bind(r);
    r.render = function () {
      const t = performance.now();
      const res = orig();
      if (window.__mg.recording) window.__mg.renders.push(performance.now() - t);
      return res;
    };
  });
}

async function record(page, fn) {
  await page.evaluate(() => {
    window.__mg.frames = [];
    window.__mg.renders = [];
    window.__mg.longtasks = [];
    window.__mg.recording = true;
  });
  const t0 = Date.now();
  await fn();
  const wall = Date.now() - t0;
  const r = await page.evaluate(() => {
    window.__mg.recording = false;
    return { frames: window.__mg.frames, renders: window.__mg.renders, longtasks: window.__mg.longtasks };
  });
  return { ...r, wall };
}

// --------------------------------------------------------------------------- main

async function main() {
  const report = { date: new Date().toISOString(), viewport: `${VW}x${VH}` };
  const bundle = join(staticDir, "js", "graph.bundle.js");
  if (!existsSync(bundle)) throw new Error("app/static/js/graph.bundle.js missing: run `npm run build` first");
  const raw = readFileSync(bundle);
  report.bundle = { bytes: raw.length, gzip: gzipSync(raw, { level: 9 }).length, cssBytes: statSync(join(staticDir, "css", "site.css")).size };
  console.log(`bundle: ${(report.bundle.bytes / 1024).toFixed(1)} KiB, ${(report.bundle.gzip / 1024).toFixed(1)} KiB gzip; site.css ${(report.bundle.cssBytes / 1024).toFixed(1)} KiB`);

  let server = null;
  let base = externalBase;
  const state = { apiStatus: 200, api: "normal", apiDelay: 0 };
  let doc;
  if (!externalBase) {
    const fx = arg("--fixture", null);
    doc = fx ? JSON.parse(readFileSync(fx, "utf8")) : buildGraph(dataDir());
    state.body = JSON.stringify(doc);
    state.hostileBody = JSON.stringify(buildGraph(dataDir(), { withHostile: true }));
    server = await startServer(state);
    base = `http://127.0.0.1:${server.address().port}`;
    report.fixture = { genres: doc.genres.length, bands: doc.bands.length, apiBytes: state.body.length };
    console.log(`serving skeleton + fixture (${doc.genres.length} genres, ${doc.bands.length} bands, ${(state.body.length / 1024).toFixed(0)} KiB JSON) at ${base}`);
  }

  const userDataDir = mkdtempSync(join(tmpdir(), "mg-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    headless: true,
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ARGS,
    viewport: { width: VW, height: VH },
    ignoreHTTPSErrors: true, // --base may be the dev stack behind a dev CA
  });
  try {
    await context.addInitScript(initScript);
    const dialogs = [];
    const pageErrors = [];
    const watch = (page) => {
      page.on("dialog", (d) => {
        dialogs.push(d.message());
        d.dismiss().catch(() => {});
      });
      page.on("pageerror", (e) => pageErrors.push(String(e)));
      page.on("console", (m) => {
        if (m.type() === "error") pageErrors.push(`console: ${m.text()}`);
      });
    };
    const page = context.pages()[0] || (await context.newPage());
    watch(page);

    // ---- 1. cold load -> first render (median of 3 loads)
    console.log("\n[load]");
    const loads = [];
    for (let i = 0; i < 3; i++) {
      await page.goto(`${base}/`, { waitUntil: "commit" });
      await waitReady(page);
      const t = await page.evaluate(() => {
        const mg = window.musicGraph;
        const nav = performance.getEntriesByType("navigation")[0];
        const res = performance.getEntriesByName(new URL(document.getElementById("graph").dataset.api, location.href).href)[0];
        return {
          domContentLoaded: nav ? nav.domContentLoadedEventEnd : NaN,
          scriptStart: mg.timings.start,
          apiDone: mg.timings.loaded,
          apiFetchMs: res ? res.duration : NaN,
          layoutMs: mg.timings.layoutMs,
          sigmaInitMs: mg.timings.sigmaMs,
          firstRender: mg.timings.firstRender,
          ready: mg.timings.ready,
          unitPx: mg.unitPx,
          nodes: mg.graph ? mg.graph.order : 0,
          edges: mg.graph ? mg.graph.size : 0,
          status: document.getElementById("graph-status").textContent,
        };
      });
      loads.push(t);
    }
    const L = loads.map((x) => x.firstRender);
    const first = loads[0];
    report.load = {
      runs: loads,
      firstRenderMs: { median: pct(L, 50), min: Math.min(...L), max: Math.max(...L) },
      layoutMs: pct(loads.map((x) => x.layoutMs), 50),
      sigmaInitMs: pct(loads.map((x) => x.sigmaInitMs), 50),
      apiFetchMs: pct(loads.map((x) => x.apiFetchMs), 50),
    };
    console.log(
      `time to first render (from navigation start): median ${report.load.firstRenderMs.median.toFixed(0)} ms ` +
        `(min ${report.load.firstRenderMs.min.toFixed(0)}, max ${report.load.firstRenderMs.max.toFixed(0)}); ` +
        `script start ${first.scriptStart.toFixed(0)} ms, /api/graph ${report.load.apiFetchMs.toFixed(0)} ms, ` +
        `layout ${report.load.layoutMs.toFixed(1)} ms, sigma init ${report.load.sigmaInitMs.toFixed(1)} ms`,
    );
    check("graph rendered", first.nodes > 0 && first.firstRender > 0, `${first.nodes} nodes, ${first.edges} edges`);
    if (doc) check("all genres are nodes", first.nodes === doc.genres.length, `${first.nodes}/${doc.genres.length}`);
    check("first render under 3 s", report.load.firstRenderMs.median < 3000, `${report.load.firstRenderMs.median.toFixed(0)} ms`);
    check("status shows counts", /genres and .* bands/.test(first.status), first.status);

    const ink = await canvasInk(page);
    report.ink = ink;
    const frac = (x) => (x ? x.ink / x.total : 0);
    console.log(
      `canvas ink: nodes ${(100 * frac(ink.nodes)).toFixed(2)}%, edges ${(100 * frac(ink.edges)).toFixed(2)}%, ` +
        `labels ${(100 * frac(ink.labels)).toFixed(2)}% (${ink.labelsDrawn} labels)`,
    );
    check("WebGL node layer is not empty", frac(ink.nodes) > 0.005);
    check("WebGL edge layer is not empty", frac(ink.edges) > 0.001);
    check("labels are drawn at the overview", ink.labelsDrawn >= 10, `${ink.labelsDrawn}`);
    await page.screenshot({ path: join(shotsDir, "overview.png") });

    // ---- 2. interaction performance
    console.log("\n[pan / zoom]");
    await instrumentRender(page);
    const box = await page.locator("#graph").boundingBox();
    const cx = box.x + box.width / 2;
    const cy = box.y + box.height / 2;

    // a) mouse-wheel zoom in and out around the centre
    const wheel = await record(page, async () => {
      await page.mouse.move(cx, cy);
      for (let i = 0; i < 8; i++) {
        await page.mouse.wheel(0, -240);
        await page.waitForTimeout(120);
      }
      for (let i = 0; i < 8; i++) {
        await page.mouse.wheel(0, 240);
        await page.waitForTimeout(120);
      }
      await page.waitForTimeout(300);
    });

    // b) drag-pan at the overview and when zoomed in
    const drag = async () => {
      await page.mouse.move(cx, cy);
      await page.mouse.down();
      for (let i = 1; i <= 40; i++) {
        await page.mouse.move(cx + i * 8, cy + Math.sin(i / 6) * 60, { steps: 1 });
      }
      for (let i = 40; i >= 0; i--) {
        await page.mouse.move(cx + i * 8, cy - 80 + Math.cos(i / 6) * 60, { steps: 1 });
      }
      await page.mouse.up();
      await page.waitForTimeout(300);
    };
    const panOverview = await record(page, drag);
    await page.evaluate(() => window.musicGraph.renderer.getCamera().setState({ x: 0.5, y: 0.5, ratio: 0.12, angle: 0 }));
    await page.waitForTimeout(200);
    const panZoomed = await record(page, drag);

    // c) animated camera flights (what search / links do), zoomed in
    const flights = await record(page, async () => {
      for (const id of ["death-metal", "house", "bebop", "k-pop", "rock"]) {
        await page.evaluate((k) => window.musicGraph.focusNode(`g:${k}`, { duration: 600 }), id);
        await page.waitForTimeout(750);
      }
      await page.evaluate(() => window.musicGraph.renderer.getCamera().animatedReset({ duration: 600 }));
      await page.waitForTimeout(750);
    });

    report.interaction = {};
    for (const [name, r] of Object.entries({ wheel, panOverview, panZoomed, flights })) {
      const rs = stats(r.renders);
      const fs = stats(r.frames.filter((x) => x < 1000));
      const lt = r.longtasks.map((x) => x.duration);
      report.interaction[name] = { render: rs, frameInterval: fs, longTasks: lt.length, longestTaskMs: lt.length ? Math.max(...lt) : 0, wallMs: r.wall };
      console.log(`${name.padEnd(12)} render(): ${fmt(rs)}`);
      console.log(`${"".padEnd(12)} frame interval: ${fmt(fs)}; long tasks: ${lt.length}${lt.length ? ` (max ${Math.max(...lt).toFixed(0)} ms)` : ""}`);
    }
    const allRenders = Object.values(report.interaction).flatMap((x) => [x.render.p95]);
    check("p95 render() under 50 ms in every scenario", allRenders.every((x) => x < 50), allRenders.map((x) => x.toFixed(1)).join(", "));
    const allFrames = [wheel, panOverview, panZoomed, flights].flatMap((r) => r.frames.filter((x) => x < 1000));
    check("no frame gap over 250 ms while moving", Math.max(...allFrames) < 250, `max ${Math.max(...allFrames).toFixed(0)} ms`);

    // ---- 3. functional checks
    console.log("\n[behaviour]");
    await page.goto(`${base}/`, { waitUntil: "commit" });
    await waitReady(page);
    await instrumentRender(page);

    // click a genre node -> bands appear, panel shows it
    const clickGenre = async (id) => {
      const p = await page.evaluate((k) => {
        const r = window.musicGraph.renderer;
        const d = r.getNodeDisplayData(`g:${k}`);
        const v = r.framedGraphToViewport(d);
        const b = document.getElementById("graph").getBoundingClientRect();
        return { x: v.x + b.left, y: v.y + b.top };
      }, id);
      await page.mouse.click(p.x, p.y);
    };
    await page.evaluate(() => window.musicGraph.focusNode("g:thrash-metal", { duration: 0 }));
    await page.waitForTimeout(150);
    await clickGenre("thrash-metal");
    await page.waitForTimeout(200);
    const afterClick = await page.evaluate(() => ({
      title: document.querySelector("#details h2").textContent,
      bands: window.musicGraph.graph.filterNodes((k, a) => a.kind === "band").length,
      links: [...document.querySelectorAll("#details a[data-kind='band']")].map((a) => a.getAttribute("href")),
    }));
    check("clicking a genre selects it", afterClick.title === "thrash metal", afterClick.title);
    check("clicking a genre shows its bands", afterClick.bands > 0, `${afterClick.bands} band nodes`);
    check("panel band links are real links", afterClick.links.length > 0 && afterClick.links.every((h) => /^\/bands\/[a-z0-9-]+$/.test(h)), afterClick.links.slice(0, 3).join(" "));
    await page.screenshot({ path: join(shotsDir, "thrash-metal.png") });
    await page.waitForTimeout(400); // two clicks within 350 ms count as a double click
    await clickGenre("thrash-metal");
    await page.waitForTimeout(150);
    const hidden = await page.evaluate(() => window.musicGraph.graph.filterNodes((k, a) => a.kind === "band").length);
    check("clicking it again hides them", hidden === 0, `${hidden} band nodes`);

    // panel link intercepted -> focuses the node, no navigation
    await page.click("#details a[data-kind='genre']");
    await page.waitForTimeout(800);
    const afterLink = await page.evaluate(() => ({ path: location.pathname, hash: location.hash, title: document.querySelector("#details h2").textContent }));
    check("panel genre link focuses node without leaving the page", afterLink.path === "/" && /^#genre=/.test(afterLink.hash), `${afterLink.hash} (${afterLink.title})`);

    // keyboard search, accent-insensitive: "motorhead" -> Motörhead
    await page.focus("#search");
    await page.keyboard.type("motorhead", { delay: 15 });
    await page.waitForTimeout(100);
    const opts = await page.evaluate(() => [...document.querySelectorAll("#search-results [role=option]")].map((li) => li.textContent));
    check("search is accent-insensitive", opts.some((t) => t.includes("Motörhead")), opts.slice(0, 3).join(" | "));
    const aria = await page.evaluate(() => ({
      expanded: document.getElementById("search").getAttribute("aria-expanded"),
      active: document.getElementById("search").getAttribute("aria-activedescendant"),
    }));
    check("search is an ARIA combobox", aria.expanded === "true" && !!aria.active, JSON.stringify(aria));
    await page.keyboard.press("Enter");
    await page.waitForTimeout(900);
    const afterSearch = await page.evaluate(() => ({
      title: document.querySelector("#details h2").textContent,
      focus: document.activeElement && document.activeElement.matches("#details h2"),
      hash: location.hash,
      selected: window.musicGraph.selectedKey,
      ratio: window.musicGraph.renderer.getCamera().ratio,
    }));
    check("Enter selects the result and focuses the panel", afterSearch.title === "Motörhead" && afterSearch.focus, JSON.stringify(afterSearch));
    check("band node is drawn and the camera zoomed to it", afterSearch.selected === "b:motorhead" && afterSearch.ratio < 0.5);
    await page.screenshot({ path: join(shotsDir, "search-motorhead.png") });

    // alias search + arrow keys
    await page.fill("#search", "");
    await page.focus("#search");
    await page.keyboard.type("two step");
    await page.waitForTimeout(100);
    await page.screenshot({ path: join(shotsDir, "search-open.png") });
    const alias = await page.evaluate(() => document.querySelector("#search-results [role=option]")?.textContent || "");
    check("search matches aliases", alias.includes("2-step"), alias);
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Escape");
    const closed = await page.evaluate(() => document.getElementById("search").getAttribute("aria-expanded"));
    check("Escape closes the results", closed === "false");

    // mouse: pick a search result, then follow a band link in the panel
    await page.fill("#search", "");
    await page.focus("#search");
    await page.keyboard.type("death metal");
    await page.waitForTimeout(100);
    await page.click("#search-results li[role=option] >> nth=0");
    await page.waitForTimeout(800);
    const viaMouse = await page.evaluate(() => document.querySelector("#details h2").textContent);
    check("clicking a search result selects it", viaMouse === "death metal", viaMouse);
    await page.click("#details a[data-kind='band'] >> nth=0");
    await page.waitForTimeout(800);
    const bandLink = await page.evaluate(() => ({
      title: document.querySelector("#details h2").textContent,
      key: window.musicGraph.selectedKey,
      path: location.pathname,
    }));
    check("panel band link draws, selects and focuses the band", bandLink.path === "/" && /^b:/.test(bandLink.key || ""), JSON.stringify(bandLink));

    // keyboard on the graph itself
    await page.focus("#graph");
    const camBefore = await page.evaluate(() => window.musicGraph.renderer.getCamera().getState());
    await page.keyboard.press("ArrowRight");
    await page.keyboard.press("+");
    await page.waitForTimeout(600);
    const camAfter = await page.evaluate(() => window.musicGraph.renderer.getCamera().getState());
    check("graph pans and zooms from the keyboard", camAfter.x > camBefore.x && camAfter.ratio < camBefore.ratio, `x ${camBefore.x.toFixed(3)}→${camAfter.x.toFixed(3)}, ratio ${camBefore.ratio.toFixed(3)}→${camAfter.ratio.toFixed(3)}`);

    // deep link by hash
    await page.goto(`${base}/#genre=bebop`, { waitUntil: "commit" });
    await waitReady(page);
    await page.waitForTimeout(800);
    const deep = await page.evaluate(() => document.querySelector("#details h2").textContent);
    check("#genre=<id> selects that genre on load", deep === "bebop", deep);

    const cspNormal = await page.evaluate(() => window.__mg.csp);
    check("no CSP violations", cspNormal.length === 0, cspNormal.join("; "));

    // ---- 4. narrow screen
    const mobile = await context.newPage();
    watch(mobile);
    await mobile.setViewportSize({ width: 390, height: 844 });
    await mobile.goto(`${base}/#genre=death-metal`, { waitUntil: "commit" });
    await waitReady(mobile);
    await mobile.waitForTimeout(900);
    const mob = await mobile.evaluate(() => ({
      graphH: document.getElementById("graph").getBoundingClientRect().height,
      panelTop: document.getElementById("panel").getBoundingClientRect().top,
      overflowX: document.documentElement.scrollWidth > window.innerWidth,
    }));
    check("narrow screen: graph on top, panel below, no sideways scroll", mob.graphH > 250 && mob.panelTop >= mob.graphH && !mob.overflowX, JSON.stringify(mob));
    await mobile.screenshot({ path: join(shotsDir, "mobile.png"), fullPage: true });
    await mobile.close();

    if (!externalBase) {
      // ---- 5. hostile names are text, never markup
      state.api = "hostile";
      const hp = await context.newPage();
      watch(hp);
      await hp.goto(`${base}/#band=xss-band`, { waitUntil: "commit" });
      await waitReady(hp);
      await hp.waitForTimeout(900);
      await hp.fill("#search", "script");
      await hp.waitForTimeout(100);
      const h = await hp.evaluate(() => ({
        title: document.querySelector("#details h2").textContent,
        scripts: document.querySelectorAll("script").length,
        imgs: document.querySelectorAll("img").length,
        bold: document.querySelectorAll("#search-results b").length,
        results: [...document.querySelectorAll("#search-results .search-result-name")].map((e) => e.textContent),
        csp: window.__mg.csp,
      }));
      check(
        "hostile names are shown as text",
        h.title === '<script>alert(3)</script> & the "Quotes"' && h.scripts === 1 && h.imgs === 0 && h.bold === 0,
        JSON.stringify({ title: h.title, scripts: h.scripts, imgs: h.imgs }),
      );
      check("hostile names in search results are text", h.results.some((t) => t.startsWith("<script>")), h.results.slice(0, 2).join(" | "));
      await hp.fill("#search", "bjork");
      await hp.waitForTimeout(100);
      const bj = await hp.evaluate(() => document.querySelector("#search-results .search-result-name")?.textContent || "");
      check("non-ASCII names searchable without accents", bj.startsWith("Björk"), bj);
      await hp.close();
      state.api = "normal";

      // ---- 6. error state
      state.apiStatus = 503;
      const ep = await context.newPage();
      watch(ep);
      await ep.goto(`${base}/`, { waitUntil: "commit" });
      await ep.waitForSelector("#graph-status.is-error", { timeout: 15000 });
      const err = await ep.evaluate(() => document.getElementById("graph-status").firstChild.textContent);
      check("HTTP error shown in #graph-status", err === "Could not load the graph (HTTP 503)", err);
      await ep.screenshot({ path: join(shotsDir, "error-503.png") });
      state.apiStatus = 200;
      await ep.click("#graph-status button");
      await waitReady(ep);
      const retried = await ep.evaluate(() => (window.musicGraph.graph ? window.musicGraph.graph.order : 0));
      check("'Try again' reloads the graph", retried > 0, `${retried} nodes`);
      await ep.close();

      // ---- 7. loading state is visible while the API is slow
      state.apiDelay = 1500;
      const lp = await context.newPage();
      await lp.goto(`${base}/`, { waitUntil: "domcontentloaded" });
      await lp.waitForTimeout(300);
      const loading = await lp.evaluate(() => document.getElementById("graph-status").className + " " + document.getElementById("graph-status").textContent);
      check("loading state shown while waiting", /is-loading/.test(loading) && /Loading/.test(loading), loading);
      await lp.close();
      state.apiDelay = 0;
    }

    check("no dialogs (alert) fired", dialogs.length === 0, dialogs.join("; "));
    check("no page errors", pageErrors.filter((e) => !/503|Failed to load resource/.test(e)).length === 0, pageErrors.join("; ").slice(0, 400));
  } finally {
    await context.close();
    if (server) server.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }

  report.checks = results;
  const out = join(shotsDir, "report.json");
  writeFileSync(out, JSON.stringify(report, null, 2));
  const failed = results.filter((r) => !r.ok).length;
  console.log(`\nscreenshots and report.json in ${shotsDir}`);
  console.log(`${results.length - failed} passed, ${failed} failed`);
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
