#!/usr/bin/env node
// Builds a /api/graph-shaped JSON document from the shared CSV data, for front-end
// measurements only (the real document comes from the C server).
//
//   node test/e2e/make-fixture-graph.mjs [--data DIR] [--out FILE] [--hostile]
//
// DIR defaults to ../shared/data relative to the repository (i.e. /work/shared/data),
// FILE defaults to /tmp/music-graph-fixture.json. --hostile adds a few genres and bands
// whose names contain markup, quotes and non-ASCII text (to check escaping).
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, resolve, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "csv-parse/sync";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function defaultDataDir() {
  for (const c of [resolve(repo, "..", "shared", "data"), "/work/shared/data"]) {
    if (existsSync(join(c, "musicbrainz", "genres.csv"))) return c;
  }
  return resolve(repo, "..", "shared", "data");
}

const dataDir = resolve(arg("--data", defaultDataDir()));
const out = resolve(arg("--out", "/tmp/music-graph-fixture.json"));
const hostile = process.argv.includes("--hostile");

function readCsv(path) {
  return parse(readFileSync(path, "utf8"), { columns: true, skip_empty_lines: true, bom: true });
}
const split = (s) => (s ? s.split("|").map((x) => x.trim()).filter(Boolean) : []);
const esc = (s) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function buildGraph(dir, { withHostile = false } = {}) {
  const genreRows = readCsv(join(dir, "musicbrainz", "genres.csv"));
  const aliasRows = readCsv(join(dir, "musicbrainz", "genre_aliases.csv"));
  const bandRows = readCsv(join(dir, "demo", "bands.csv"));

  if (withHostile) {
    genreRows.push(
      { slug: "xss-script", name: "<script>alert(1)</script> core", parent_slugs: "rock" },
      { slug: "xss-img", name: '"><img src=x onerror=alert(2)> wave', parent_slugs: "xss-script" },
      { slug: "accent-test", name: "música popular brasileira «test» ünïcödé", parent_slugs: "" },
    );
    aliasRows.push({ slug: "xss-script", alias: "<b>bold alias</b>" });
    bandRows.push(
      { slug: "xss-band", name: "<script>alert(3)</script> & the \"Quotes\"", genre_slugs: "xss-script|rock" },
      { slug: "bjork-test", name: "Björk Guðmundsdóttir & Sigur Rós", genre_slugs: "accent-test" },
    );
  }

  const ids = new Set(genreRows.map((r) => r.slug));
  const aliases = new Map();
  for (const r of aliasRows) {
    if (!aliases.has(r.slug)) aliases.set(r.slug, []);
    aliases.get(r.slug).push(r.alias);
  }
  const hasChild = new Set();
  for (const r of genreRows) for (const p of split(r.parent_slugs)) if (ids.has(p)) hasChild.add(p);
  const nameOf = new Map(genreRows.map((r) => [r.slug, r.name]));

  const genres = genreRows.map((r) => {
    const parents = split(r.parent_slugs).filter((p) => ids.has(p));
    const type = parents.length === 0 ? "root" : hasChild.has(r.slug) ? "intermediate" : "leaf";
    // Fake but plausible cmark output, so description rendering is exercised.
    let description_html = "";
    if (parents.length) {
      description_html =
        `<p><strong>${esc(r.name)}</strong> is a style of ${parents.map((p) => esc(nameOf.get(p))).join(" and ")}.</p>\n` +
        `<p>Fixture text generated for front-end tests.</p>\n`;
    }
    return {
      id: r.slug,
      name: r.name,
      type,
      parent_id: parents[0] || null,
      parents,
      aliases: aliases.get(r.slug) || [],
      description_html,
    };
  });
  const bands = bandRows.map((r) => {
    const g = split(r.genre_slugs).filter((x) => ids.has(x));
    return {
      id: r.slug,
      name: r.name,
      primary_genre_id: g[0] || null,
      genres: g,
      description_html: `<p>${esc(r.name)} play ${g.map((x) => esc(nameOf.get(x))).join(", ")}.</p>\n`,
    };
  });
  return { version: 1, genres, bands };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const doc = buildGraph(dataDir, { withHostile: hostile });
  writeFileSync(out, JSON.stringify(doc));
  const n = (t) => doc.genres.filter((g) => g.type === t).length;
  console.log(
    `wrote ${out}: ${doc.genres.length} genres (${n("root")} root, ${n("intermediate")} intermediate, ` +
      `${n("leaf")} leaf), ${doc.bands.length} bands`,
  );
}
