// Loading and checking the /api/graph document.

export class LoadError extends Error {
  constructor(reason) {
    super(`Could not load the graph (${reason})`);
    this.reason = reason;
  }
}

export async function fetchGraph(url) {
  let res;
  try {
    res = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } });
  } catch (e) {
    throw new LoadError("network error");
  }
  if (!res.ok) throw new LoadError(`HTTP ${res.status}`);
  let doc;
  try {
    doc = await res.json();
  } catch (e) {
    throw new LoadError("the server sent invalid data");
  }
  return buildModel(doc);
}

const str = (v) => (typeof v === "string" ? v : v === null || v === undefined ? "" : String(v));
const strList = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === "string" && x) : []);
const TYPES = new Set(["root", "intermediate", "leaf"]);
const byName = (a, b) => a.name.localeCompare(b.name, "en", { sensitivity: "base" });

/**
 * Turns the API document into lookup tables. Unknown references are dropped, so a
 * slightly inconsistent document still renders.
 */
export function buildModel(doc) {
  if (!doc || typeof doc !== "object" || !Array.isArray(doc.genres)) {
    throw new LoadError("the server sent invalid data");
  }
  const genres = new Map();
  for (const raw of doc.genres) {
    if (!raw || typeof raw.id !== "string" || !raw.id || genres.has(raw.id)) continue;
    genres.set(raw.id, {
      kind: "genre",
      id: raw.id,
      name: str(raw.name) || raw.id,
      type: str(raw.type),
      parent_id: typeof raw.parent_id === "string" ? raw.parent_id : null,
      parents: strList(raw.parents),
      aliases: strList(raw.aliases),
      description_html: str(raw.description_html),
      children: [],
      bands: [],
      primaryBands: [],
    });
  }
  for (const g of genres.values()) {
    g.parents = [...new Set(g.parents)].filter((p) => p !== g.id && genres.has(p));
    if (!g.parent_id || !genres.has(g.parent_id) || g.parent_id === g.id) g.parent_id = g.parents[0] || null;
    if (g.parent_id && !g.parents.includes(g.parent_id)) g.parents.unshift(g.parent_id);
    for (const p of g.parents) genres.get(p).children.push(g);
  }
  for (const g of genres.values()) {
    if (!TYPES.has(g.type)) g.type = g.parents.length === 0 ? "root" : g.children.length ? "intermediate" : "leaf";
    g.children.sort(byName);
  }

  const bands = new Map();
  for (const raw of Array.isArray(doc.bands) ? doc.bands : []) {
    if (!raw || typeof raw.id !== "string" || !raw.id || bands.has(raw.id)) continue;
    const gs = [...new Set(strList(raw.genres))].filter((x) => genres.has(x));
    let primary = typeof raw.primary_genre_id === "string" && genres.has(raw.primary_genre_id) ? raw.primary_genre_id : null;
    if (!primary) primary = gs[0] || null;
    if (primary && !gs.includes(primary)) gs.unshift(primary);
    const b = {
      kind: "band",
      id: raw.id,
      name: str(raw.name) || raw.id,
      primary_genre_id: primary,
      genres: gs,
      description_html: str(raw.description_html),
    };
    bands.set(b.id, b);
    for (const x of gs) genres.get(x).bands.push(b);
    if (primary) genres.get(primary).primaryBands.push(b);
  }
  for (const g of genres.values()) {
    g.bands.sort(byName);
    g.primaryBands.sort(byName);
  }
  return { version: Number.isInteger(doc.version) ? doc.version : 0, genres, bands };
}
