#!/usr/bin/env node
// browser.mjs: end-to-end scenarios in Debian's headless Chromium against a running stack
// (nginx + TLS + musicgraph + PostgreSQL), as a person would use the site.
//
//   . STATE/env && node test/e2e/browser.mjs [--shots DIR] [--readme-shot]
//
// Run by ctest as integration.browser (test/integration/test_browser.sh). Needs from the
// stack's env file: MG_BASE_URL, MG_CA_FILE, MG_ADMIN and MUSICGRAPH_DATABASE_URL (to create
// an admin account with musicgraph-admin). Chromium is /usr/bin/chromium (CHROMIUM=… to
// override), driven by playwright-core; no browser is ever downloaded.
//
// Scenarios, in two groups (a group stops at its first failed step; the other still runs):
//   visitor: the graph renders (its WebGL layers hold pixels), clicking a genre node shows
//            its bands, search for a band and focus it, the detail panel and its links, the
//            band page and back; register (a weak password is refused first), log out, log in.
//   admin:   (account made with musicgraph-admin create-user --admin) log in, add a genre
//            with two parents, add a band under it, see both in the graph, edit the band,
//            try to make a cycle and read the message, delete band and genre, grant and
//            remove admin rights on /admin/users, log out.
// Throughout, every console error, uncaught exception, CSP violation, failed request and
// unexpected HTTP status >= 400 fails the step it happened in.
//
// Screenshots of every step go to --shots (default $MG_BUILD_DIR/e2e-artifacts); a failed
// step also leaves NN-name-FAILED.png. --readme-shot (or MG_E2E_README_SHOT=1) also copies
// the genre-click picture to docs/screenshot.png (the README's).
// Prints "ok - …" / "not ok - …" per step, then "N passed, M failed"; exit 0, 1 (a step
// failed), 2 (could not start), 77 (no Chromium: skipped).
import { execFileSync, spawnSync } from "node:child_process";
import { randomInt } from "node:crypto";
import { accessSync, constants, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const arg = (name) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const TIMEOUT = 30000; // per wait; generous for a busy 2-core machine and the ASan build
const VIEWPORT = { width: 1400, height: 860 }; // the size of docs/screenshot.png

function need(name) {
  const v = process.env[name];
  if (!v) {
    console.error(`browser.mjs: ${name} is not set (source the stack's env file first)`);
    process.exit(2);
  }
  return v;
}

// ------------------------------------------------------------------------- bookkeeping

const results = []; // {name, ok, ms, error}
const issues = []; // {step, text}: console errors, CSP violations, failed requests
let current = null; // the running step: {name, expect: [{path, status}]}
let shotNo = 0;
let shotsDir;

class GroupStop extends Error {}

function issue(text) {
  issues.push({ step: current ? current.name : "(between steps)", text });
}

/** The step under way expects the document at `path` to answer `status` (a refusal). */
function expectStatus(path, status) {
  if (current) current.expect.push({ path, status });
}

function expected(url, status) {
  if (!current) return false;
  const path = new URL(url).pathname;
  return current.expect.some((e) => e.path === path && e.status === status);
}

async function shot(page, name) {
  const file = join(shotsDir, `${String(++shotNo).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, timeout: TIMEOUT }).catch((e) => console.log(`# screenshot ${file}: ${e.message}`));
  return file;
}

/** Runs one step: its own issues fail it; a screenshot either way. */
async function step(page, name, fn) {
  current = { name, expect: [] };
  const before = issues.length;
  const t0 = Date.now();
  let error = null;
  try {
    await fn();
    // a round trip, so that events the page sent before this point have arrived
    await page.evaluate(() => 0);
    const mine = issues.slice(before).map((i) => i.text);
    if (mine.length) error = new Error(`${mine.length} problem(s) in the browser:\n    ${mine.join("\n    ")}`);
  } catch (e) {
    error = e;
  }
  const ms = Date.now() - t0;
  await shot(page, error ? `${name}-FAILED` : name);
  current = null;
  results.push({ name, ok: !error, ms, error: error ? error.message : "" });
  if (error) {
    console.log(`not ok - ${name} (${(ms / 1000).toFixed(1)} s)`);
    console.log(`#   ${String(error.message).split("\n").slice(0, 12).join("\n#   ")}`);
    console.log(`#   at ${page.url()}`);
    throw new GroupStop(name);
  }
  console.log(`ok - ${name} (${(ms / 1000).toFixed(1)} s)`);
}

async function group(name, fn) {
  try {
    await fn();
  } catch (e) {
    if (!(e instanceof GroupStop)) {
      results.push({ name: `${name} (setup)`, ok: false, error: e.message });
      console.log(`not ok - ${name}: ${e.message}`);
    } else {
      console.log(`# the rest of the ${name} group is skipped after "${e.message}" failed`);
    }
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// ------------------------------------------------------------------------- page helpers

// Installed before any page script: reports CSP violations to the test (the binding is
// the test's, exposed by exposeBinding below; nothing of this is in the application).
function cspReporter() {
  document.addEventListener(
    "securitypolicyviolation",
    (e) => window.__mgE2eReport(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "(inline)"} at ${e.sourceFile}:${e.lineNumber}`),
    true,
  );
}

function watch(page) {
  page.on("console", (m) => {
    const t = m.text();
    if (m.type() === "warning") console.log(`#   console warning (not a failure): ${t}`);
    if (m.type() !== "error") return;
    // HTTP errors are judged by the response listener, which knows what a step expects
    if (/^Failed to load resource: the server responded with a status of \d+/.test(t)) return;
    issue(`console error: ${t} (${m.location().url || "?"})`);
  });
  page.on("pageerror", (e) => issue(`uncaught exception: ${e.message}`));
  page.on("requestfailed", (r) => {
    const why = r.failure() ? r.failure().errorText : "?";
    // leaving a page (a test step navigates on at once) cancels its graph fetch: not a fault
    if (why === "net::ERR_ABORTED" && new URL(r.url()).pathname === "/api/graph") return;
    issue(`request failed: ${r.method()} ${r.url()}: ${why}`);
  });
  page.on("response", (r) => {
    const s = r.status();
    if (s >= 400 && !expected(r.url(), s)) issue(`HTTP ${s} for ${r.request().method()} ${r.url()}`);
  });
  page.on("dialog", (d) => {
    const want = current && current.dialog;
    if (want && d.type() === "confirm" && d.message() === want) {
      current.dialogSeen = true;
      d.accept().catch(() => {});
    } else {
      issue(`unexpected ${d.type()} dialog: ${d.message()}`);
      d.dismiss().catch(() => {});
    }
  });
}

/** Waits for the page at `path` to be the one shown and loaded (its deferred scripts ran). */
async function arrived(page, path) {
  await page.waitForURL((u) => u.pathname === path, { timeout: TIMEOUT });
  await page.waitForLoadState("load", { timeout: TIMEOUT });
}

async function flash(page, kind, text) {
  const f = page.locator(`.flash.flash-${kind}`, { hasText: text });
  await f.first().waitFor({ timeout: TIMEOUT });
}

async function goto(page, path) {
  const r = await page.goto(path, { waitUntil: "load", timeout: TIMEOUT });
  return r;
}

async function graphReady(page) {
  await page.waitForFunction(() => document.documentElement.dataset.graphReady === "1" || document.querySelector("#graph-status.is-error"), null, {
    timeout: TIMEOUT,
  });
  const status = await page.locator("#graph-status").textContent();
  assert(await page.evaluate(() => document.documentElement.dataset.graphReady === "1"), `the graph did not load: ${status}`);
  assert(await page.evaluate(() => !!(window.musicGraph && window.musicGraph.renderer)), `the graph was not drawn: ${status}`);
}

/** Resolves once sigma's camera has stopped moving and a frame has been drawn since. */
async function cameraStill(page) {
  await page.waitForFunction(() => !window.musicGraph.renderer.getCamera().isAnimated(), null, { timeout: TIMEOUT });
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
}

// Counts pixels with ink on each of sigma's layers. The WebGL layers are copied in the same
// task as a render, before the browser may clear their drawing buffers.
async function canvasInk(page) {
  return page.evaluate(() => {
    const r = window.musicGraph.renderer;
    r.render();
    const out = {};
    const canvases = r.getCanvases();
    for (const id of ["edges", "nodes", "labels"]) {
      const c = canvases[id];
      if (!c || !c.width || !c.height) {
        out[id] = 0;
        continue;
      }
      const tmp = document.createElement("canvas");
      tmp.width = c.width;
      tmp.height = c.height;
      const ctx = tmp.getContext("2d");
      ctx.drawImage(c, 0, 0);
      const d = ctx.getImageData(0, 0, tmp.width, tmp.height).data;
      let ink = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
      out[id] = ink / (tmp.width * tmp.height);
    }
    return out;
  });
}

/** Where node `key` is on the screen, and whether that point is inside the graph's box. */
async function nodeOnScreen(page, key) {
  return page.evaluate((k) => {
    const r = window.musicGraph.renderer;
    const d = r.getNodeDisplayData(k);
    if (!d) return null;
    const v = r.framedGraphToViewport(d);
    const b = document.getElementById("graph").getBoundingClientRect();
    return { x: b.left + v.x, y: b.top + v.y, inside: v.x >= 0 && v.y >= 0 && v.x <= b.width && v.y <= b.height };
  }, key);
}

async function panelTitle(page, text) {
  await page.locator("#details h2", { hasText: text }).waitFor({ timeout: TIMEOUT });
  const t = await page.locator("#details h2").textContent();
  assert(t === text, `the panel shows "${t}", not "${text}"`);
}

// ------------------------------------------------------------------------- accounts

const WORDS = "amber basalt cobalt dune ember fjord garnet harbor indigo juniper kelp lantern meadow nectar onyx pebble quartz russet sable thistle umber velvet willow yarrow zephyr".split(" ");
const passphrase = () => Array.from({ length: 4 }, () => WORDS[randomInt(WORDS.length)]).join(" ") + ` ${randomInt(100, 1000)}`;

function createAdmin(name, email, password) {
  const admin = need("MG_ADMIN");
  const r = spawnSync(admin, ["create-user", name, email, "--admin"], { input: `${password}\n`, encoding: "utf8", timeout: 120000 });
  if (r.status !== 0) throw new Error(`${admin} create-user ${name} --admin failed (${r.status}): ${r.stderr || r.stdout}`);
}

async function logIn(page, login, password, who) {
  await goto(page, "/login");
  await page.getByLabel("Username or email").fill(login);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await arrived(page, "/");
  await flash(page, "success", `Welcome back, ${who}!`);
  const shown = await page.locator(".site-user .username").textContent();
  assert(shown === who, `the header shows "${shown}", not "${who}"`);
}

async function logOut(page) {
  await page.locator(".site-user").getByRole("button", { name: "Log out" }).click();
  await flash(page, "info", "You have been logged out.");
  await page.locator(".site-user").getByRole("link", { name: "Log in" }).waitFor({ timeout: TIMEOUT });
  assert((await page.locator(".site-user .username").count()) === 0, "still shown as logged in");
}

// ------------------------------------------------------------------------- trust

// Chromium must trust the stack's development CA, as a person who imported it would: the
// CA goes into a throw-away NSS database under a temporary HOME ($HOME/.pki/nssdb is where
// Chromium on Linux reads the user's own roots), so the certificate chain and the host name
// are verified for real. Without certutil (Debian's libnss3-tools) the fallback pins the
// server certificate's public key with --ignore-certificate-errors-spki-list, which only
// skips the CA check for that one key; ignoreHTTPSErrors is never used.
async function trustSetup(home) {
  const ca = need("MG_CA_FILE");
  const db = join(home, ".pki", "nssdb");
  mkdirSync(db, { recursive: true });
  try {
    execFileSync("certutil", ["-N", "-d", `sql:${db}`, "--empty-password"], { stdio: "pipe" });
    execFileSync("certutil", ["-A", "-d", `sql:${db}`, "-n", "musicgraph-test-ca", "-t", "C,,", "-i", ca], { stdio: "pipe" });
    return { how: `CA ${ca} in a temporary NSS database`, args: [] };
  } catch (e) {
    if (e.code !== "ENOENT") throw new Error(`certutil failed: ${e.stderr || e.message}`);
  }
  const { X509Certificate, createHash } = await import("node:crypto");
  const { readFileSync } = await import("node:fs");
  const certFile = join(process.env.MG_CERT_DIR || dirname(ca), "server.crt");
  const spki = new X509Certificate(readFileSync(certFile)).publicKey.export({ type: "spki", format: "der" });
  const hash = createHash("sha256").update(spki).digest("base64");
  return { how: `server key of ${certFile} pinned (no certutil: install libnss3-tools)`, args: [`--ignore-certificate-errors-spki-list=${hash}`] };
}

// ------------------------------------------------------------------------- scenarios

async function visitor(page, user) {
  await step(page, "graph", async () => {
    const r = await goto(page, "/");
    // without the policy, "no CSP violation" would pass for nothing
    const csp = (r && (await r.headerValue("content-security-policy"))) || "";
    assert(/script-src 'self'/.test(csp) && /style-src 'self'/.test(csp), `no CSP on the page: "${csp}"`);
    await graphReady(page);
    await cameraStill(page);
    const ink = await canvasInk(page);
    const pct = (x) => `${(100 * x).toFixed(2)}%`;
    console.log(`#   canvas ink: nodes ${pct(ink.nodes)}, edges ${pct(ink.edges)}, labels ${pct(ink.labels)}`);
    assert(ink.nodes > 0.005, `the WebGL node layer is (nearly) empty: ${pct(ink.nodes)}`);
    assert(ink.edges > 0.001, `the WebGL edge layer is (nearly) empty: ${pct(ink.edges)}`);
    assert(ink.labels > 0.005, `no labels drawn: ${pct(ink.labels)}`);
    const status = await page.locator("#graph-status").textContent();
    assert(/[\d,]+ genres and [\d,]+ bands/.test(status), `status: "${status}"`);
  });

  await step(page, "click-genre", async () => {
    const key = "g:thrash-metal";
    // the camera goes to the genre as search does; the click itself is a real mouse click
    // at the node's place on the screen, picked by sigma like any other
    await page.evaluate((k) => window.musicGraph.focusNode(k, { duration: 0 }), key);
    await cameraStill(page);
    const p = await nodeOnScreen(page, key);
    assert(p && p.inside, `thrash metal is not on the screen: ${JSON.stringify(p)}`);
    await page.mouse.click(p.x, p.y);
    await panelTitle(page, "thrash metal");
    await page.waitForFunction(() => window.musicGraph.graph.filterNodes((k, a) => a.kind === "band").length > 0, null, { timeout: TIMEOUT });
    const bands = await page.evaluate(() => window.musicGraph.graph.filterNodes((k, a) => a.kind === "band").map((k) => k.slice(2)));
    assert(bands.includes("metallica") && bands.includes("slayer"), `bands drawn: ${bands.join(", ")}`);
    const toggle = page.locator("#details button[data-action='toggle-bands']");
    assert((await toggle.getAttribute("aria-pressed")) === "true", "the panel's bands button is not pressed");
    await cameraStill(page);
    if (process.argv.includes("--readme-shot") || process.env.MG_E2E_README_SHOT === "1") {
      await page.mouse.move(5, VIEWPORT.height - 5); // no hover marker in the picture
      await cameraStill(page);
      const dest = join(repo, "docs", "screenshot.png");
      await page.screenshot({ path: dest });
      console.log(`#   wrote ${dest}`);
    }
  });

  await step(page, "search-band", async () => {
    const box = page.locator("#search");
    await box.click();
    await box.pressSequentially("radiohe", { delay: 20 });
    const option = page.locator("#search-results [role=option]", { hasText: "Radiohead" }).first();
    await option.waitFor({ timeout: TIMEOUT });
    assert((await box.getAttribute("aria-expanded")) === "true", "the result list is not announced as open");
    await page.waitForFunction(
      () => {
        const s = document.getElementById("search");
        const a = s.getAttribute("aria-activedescendant");
        return a && document.getElementById(a) && document.getElementById(a).textContent.includes("Radiohead");
      },
      null,
      { timeout: TIMEOUT },
    );
    await page.keyboard.press("Enter");
    await panelTitle(page, "Radiohead");
    await page.waitForFunction(() => window.musicGraph.selectedKey === "b:radiohead", null, { timeout: TIMEOUT });
    await cameraStill(page);
    const p = await nodeOnScreen(page, "b:radiohead");
    assert(p && p.inside, `Radiohead is not on the screen after the search: ${JSON.stringify(p)}`);
    const ratio = await page.evaluate(() => window.musicGraph.renderer.getCamera().ratio);
    assert(ratio < 0.5, `the camera did not zoom in on the band (ratio ${ratio})`);
    const focused = await page.evaluate(() => document.activeElement && document.activeElement.matches("#details h2"));
    assert(focused, "the keyboard focus did not move to the panel");
    assert(new URL(page.url()).hash === "#band=radiohead", `address: ${page.url()}`);
  });

  await step(page, "detail-panel", async () => {
    const d = page.locator("#details");
    assert((await d.locator(".type-badge").textContent()) === "Band", "no Band badge");
    const genre = d.locator("a[data-kind='genre'][data-id='art-rock']");
    assert((await genre.count()) === 1, "the panel does not link the band's genre art rock");
    const permalink = d.getByRole("link", { name: "Band page" });
    assert((await permalink.getAttribute("href")) === "/bands/radiohead", "the Band page link is wrong");
    // a genre link in the panel selects that genre and stays on the graph
    await genre.click();
    await panelTitle(page, "art rock");
    assert(new URL(page.url()).pathname === "/", "the panel link left the graph page");
    await page.waitForFunction(() => window.musicGraph.selectedKey === "g:art-rock", null, { timeout: TIMEOUT });
    // and its band link goes back to the band, then to the band's own page
    await d.locator("a[data-kind='band'][data-id='radiohead']").click();
    await panelTitle(page, "Radiohead");
    await d.getByRole("link", { name: "Band page" }).click();
    await arrived(page, "/bands/radiohead");
    assert((await page.locator("h1").first().textContent()).includes("Radiohead"), "the band page has no Radiohead heading");
    // back to the graph: the address still says which band was chosen
    await page.goBack({ waitUntil: "load", timeout: TIMEOUT });
    await graphReady(page);
    await panelTitle(page, "Radiohead");
  });
  await step(page, "register", async () => {
    await goto(page, "/register");
    await page.getByLabel("Username").fill(user.name);
    await page.getByLabel("Email").fill(user.email);
    // a weak password first: refused by the strength check, nothing created
    expectStatus("/register", 422);
    await page.getByLabel("Password", { exact: true }).fill("password1234");
    await page.getByLabel("Repeat the password").fill("password1234");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.locator(".flash-error").waitFor({ timeout: TIMEOUT });
    const why = await page.locator("#f-password + .field-error, .field-invalid .field-error").first().textContent();
    assert(why && why.length > 5, "no reason given for the weak password");
    assert((await page.getByLabel("Username").inputValue()) === user.name, "the username was not kept");
    await page.getByLabel("Password", { exact: true }).fill(user.password);
    await page.getByLabel("Repeat the password").fill(user.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await arrived(page, "/");
    await flash(page, "success", `Welcome, ${user.name}! Your account is ready.`);
    assert((await page.locator(".site-user .username").textContent()) === user.name, "not logged in after registering");
  });

  await step(page, "log-out", () => logOut(page));
  await step(page, "log-in", async () => {
    await logIn(page, user.email, user.password, user.name);
    await graphReady(page); // the graph page, as a logged-in user
  });

}

async function admin(page, adm, user, stamp) {
  const genre = { name: `E2E Fusion ${stamp}`, id: `e2e-fusion-${stamp}` };
  const band = { name: `E2E Band ${stamp}`, id: `e2e-band-${stamp}` };

  await step(page, "admin-log-in", async () => {
    createAdmin(adm.name, adm.email, adm.password);
    await goto(page, "/");
    if ((await page.locator(".site-user .username").count()) > 0) await logOut(page); // the visitor's session
    await logIn(page, adm.name, adm.password, adm.name);
    await page.locator(".site-nav").getByRole("link", { name: "Admin" }).waitFor({ timeout: TIMEOUT });
  });

  await step(page, "add-genre", async () => {
    await page.locator(".site-nav").getByRole("link", { name: "Add Genre" }).click();
    await arrived(page, "/admin/genres/new");
    await page.getByLabel("Name", { exact: true }).fill(genre.name);
    // admin.js fills the slug in from the name
    await page.waitForFunction((id) => document.getElementById("f-id").value === id, genre.id, { timeout: TIMEOUT });
    await page.selectOption("#f-parent_id", "rock");
    // … and choosing the primary parent also selects it among all parents
    const also = await page.evaluate(() => [...document.getElementById("f-parent_genres").selectedOptions].map((o) => o.value));
    assert(also.includes("rock"), `the primary parent was not selected in the list: ${also}`);
    await page.selectOption("#f-parent_genres", ["rock", "jazz"]);
    await page.getByRole("button", { name: "Add genre" }).click();
    await arrived(page, `/genres/${genre.id}`);
    await flash(page, "success", `Genre "${genre.name}" added.`);
    for (const p of ["rock", "jazz"]) {
      const n = await page.locator(`main a[href='/genres/${p}']`).count();
      assert(n > 0, `the new genre's page does not link its parent ${p}`);
    }
  });

  await step(page, "add-band", async () => {
    await goto(page, "/admin");
    await page.locator("main").getByRole("link", { name: "Add a band" }).click();
    await arrived(page, "/admin/bands/new");
    await page.getByLabel("Name", { exact: true }).fill(band.name);
    await page.waitForFunction((id) => document.getElementById("f-id").value === id, band.id, { timeout: TIMEOUT });
    await page.selectOption("#f-primary_genre_id", genre.id);
    await page.selectOption("#f-genres", [genre.id, "jazz"]);
    await page.getByRole("button", { name: "Add band" }).click();
    await arrived(page, `/bands/${band.id}`);
    await flash(page, "success", `Band "${band.name}" added.`);
    // the graph shows the new genre at once, with its band beside it
    await goto(page, `/#band=${band.id}`);
    await graphReady(page);
    await panelTitle(page, band.name);
    await page.waitForFunction((k) => window.musicGraph.selectedKey === k, `b:${band.id}`, { timeout: TIMEOUT });
    await cameraStill(page);
    const p = await nodeOnScreen(page, `b:${band.id}`);
    assert(p && p.inside, "the new band is not drawn on the screen");
    const parents = await page.evaluate((id) => window.musicGraph.model.genres.get(id).parents, genre.id);
    assert(parents.includes("rock") && parents.includes("jazz"), `the graph's parents of the new genre: ${parents}`);
  });

  await step(page, "edit-band", async () => {
    await goto(page, `/admin/bands/${band.id}/edit`);
    await page.getByLabel("Name", { exact: true }).fill(`${band.name} (edited)`);
    await page.getByLabel("Description").fill("**Formed** for an end-to-end test.");
    await page.getByRole("button", { name: "Preview" }).click();
    await page.locator(".admin-preview strong", { hasText: "Formed" }).waitFor({ timeout: TIMEOUT });
    await page.getByRole("button", { name: "Save changes" }).click();
    await arrived(page, "/admin");
    await flash(page, "success", `Band "${band.name} (edited)" updated.`);
    await goto(page, `/bands/${band.id}`);
    assert((await page.locator("h1").first().textContent()).includes(`${band.name} (edited)`), "the band page shows the old name");
    assert((await page.locator("main strong", { hasText: "Formed" }).count()) === 1, "the description was not saved as Markdown");
  });

  await step(page, "cycle-refused", async () => {
    // rock becomes a child of the new genre, whose parent is rock: refused, with the cycle named
    await goto(page, "/admin/genres/rock/edit");
    await page.selectOption("#f-parent_genres", [genre.id]);
    expectStatus("/admin/genres/rock/edit", 422);
    await page.getByRole("button", { name: "Save changes" }).click();
    const err = page.locator(".flash-error", { hasText: "would make a cycle" });
    await err.waitFor({ timeout: TIMEOUT });
    const text = await err.textContent();
    assert(text.includes(`rock → ${genre.name} → rock`), `the message does not name the cycle: ${text}`);
    const field = await page.locator("#f-parent_genres ~ .field-error").textContent();
    assert(field.includes("would make a cycle"), "the parents field is not marked");
  });

  await step(page, "delete", async () => {
    for (const [kind, x, noun] of [
      ["bands", { ...band, name: `${band.name} (edited)` }, "band"],
      ["genres", genre, "genre"],
    ]) {
      await goto(page, `/admin/${kind}/${x.id}/edit`);
      current.dialog = `Delete the ${noun} "${x.name}"?`;
      current.dialogSeen = false;
      await page.locator(".danger-zone").getByRole("button", { name: `Delete ${noun}` }).click();
      await arrived(page, "/admin");
      await flash(page, "success", `${noun === "band" ? "Band" : "Genre"} "${x.name}" deleted.`);
      assert(current.dialogSeen, `no confirmation was asked before deleting the ${noun}`);
      expectStatus(`/${kind}/${x.id}`, 404);
      const r = await goto(page, `/${kind}/${x.id}`);
      assert(r.status() === 404, `/${kind}/${x.id} answers ${r.status()} after the delete`);
    }
  });

  await step(page, "promote-user", async () => {
    await page.locator(".site-nav").getByRole("link", { name: "Users" }).click();
    await arrived(page, "/admin/users");
    const row = () => page.locator("tbody tr").filter({ has: page.locator(".admin-user-name", { hasText: new RegExp(`^${user.name}$`) }) });
    assert((await row().count()) === 1, `${user.name} is not listed once`);
    assert((await row().locator(".admin-flag").textContent()) === "No", `${user.name} is already an admin`);
    await row().getByRole("button", { name: "Make admin" }).click();
    await flash(page, "success", `Admin rights granted for ${user.name}`);
    assert((await row().locator(".admin-flag").textContent()) === "Yes", "the list does not show the new admin");
    await row().getByRole("button", { name: "Remove admin" }).click();
    await flash(page, "success", `Admin rights removed for ${user.name}`);
    assert((await row().locator(".admin-flag").textContent()) === "No", "the list still shows the admin flag");
  });

  await step(page, "admin-log-out", () => logOut(page));
}

// ------------------------------------------------------------------------- main

async function main() {
  try {
    accessSync(CHROMIUM, constants.X_OK);
  } catch {
    console.log(`SKIP: no Chromium at ${CHROMIUM} (Debian: apt-get install chromium, or scripts/setup-debian.sh)`);
    process.exit(77);
  }
  const base = need("MG_BASE_URL");
  need("MUSICGRAPH_DATABASE_URL");
  shotsDir = resolve(arg("--shots") || join(need("MG_BUILD_DIR"), "e2e-artifacts"));
  mkdirSync(shotsDir, { recursive: true });
  for (const f of readdirSync(shotsDir)) if (f.endsWith(".png")) rmSync(join(shotsDir, f));

  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch (e) {
    console.error(`browser.mjs: playwright-core is missing (npm ci): ${e.message}`);
    process.exit(2);
  }

  const stamp = `${Date.now().toString(36)}${randomInt(36 ** 3).toString(36)}`;
  const user = { name: `e2e_user_${stamp}`, email: `e2e-user-${stamp}@example.org`, password: passphrase() };
  const adm = { name: `e2e_admin_${stamp}`, email: `e2e-admin-${stamp}@example.org`, password: passphrase() };

  const home = mkdtempSync(join(tmpdir(), "mg-e2e-"));
  const t0 = Date.now();
  let context;
  try {
    const trust = await trustSetup(home);
    console.log(`# ${base}, Chromium ${CHROMIUM}, trust: ${trust.how}; screenshots in ${shotsDir}`);
    context = await chromium.launchPersistentContext(join(home, "profile"), {
      executablePath: CHROMIUM, // Debian's; playwright-core never downloads a browser
      headless: true,
      // --no-sandbox: Chromium refuses to start as root with its sandbox (CI runs as root);
      // the pages it opens are our own, on loopback.
      args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", ...trust.args],
      env: { ...process.env, HOME: home },
      baseURL: base,
      viewport: VIEWPORT,
      locale: "en-GB",
      timezoneId: "UTC",
    });
    context.setDefaultTimeout(TIMEOUT);
    context.setDefaultNavigationTimeout(TIMEOUT);
    await context.exposeBinding("__mgE2eReport", (source, text) => issue(text));
    await context.addInitScript(cspReporter);
    const page = context.pages()[0] || (await context.newPage());
    watch(page);
    // the TLS check: the page is reached over a verified chain (no error page, no bypass)
    const r = await page.goto("/healthz", { timeout: TIMEOUT });
    const sec = await r.securityDetails();
    console.log(`# TLS: ${sec ? `${sec.protocol}, ${sec.subjectName} issued by ${sec.issuer}` : "none"}`);

    await group("visitor", () => visitor(page, user));
    await group("admin", () => admin(page, adm, user, stamp));
  } catch (e) {
    console.log(`not ok - browser setup: ${e.stack || e.message}`);
    results.push({ name: "browser setup", ok: false });
  } finally {
    if (context) await context.close().catch(() => {});
    rmSync(home, { recursive: true, force: true });
  }

  const leftovers = issues.filter((i) => !results.some((r) => r.name === i.step));
  for (const i of leftovers) console.log(`not ok - outside the steps: ${i.text}`);
  const failed = results.filter((r) => !r.ok).length + leftovers.length;
  const passed = results.filter((r) => r.ok).length;
  console.log(`# ${((Date.now() - t0) / 1000).toFixed(1)} s; screenshots: ${shotsDir}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed || passed === 0 ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
