// Deterministic layout of the genre forest, computed in the browser in a few ms.
//
// 1. The primary-parent edges form a forest. Every tree with children gets a radial
//    layout: the root in the centre, depth d on ring d. Ring 1 has radius r1, each
//    further ring is RING_GAP further out. A node on ring d needs an angle of
//    1/radius(d) (one unit of arc), a subtree needs max(own, sum of its children), and
//    r1 is the smallest radius (binary search) for which the tree fits in 2*pi; the
//    spans are then stretched to fill the circle. So no two neighbours on a ring are
//    closer than one unit, and wide but shallow families stay compact.
// 2. The genres that are alone (no parent, no primary child) are laid out together as
//    a sunflower disc, in name order.
// 3. The trees are packed as circles with d3-hierarchy's packSiblings, largest first
//    so the big families sit in the middle; the disc of lone genres comes last.
//
// All distances are in "units": 1 unit = minimum distance between neighbours.
import { packSiblings } from "d3-hierarchy";

const TAU = Math.PI * 2;
const GOLDEN_ANGLE = Math.PI * (3 - Math.sqrt(5));
const MIN_STEP = 2.2; // minimum radius of ring 1, in units
const RING_GAP = 2.4; // distance between rings 1, 2, 3..., in units
const TREE_MARGIN = 1.6; // room around every tree, for labels
const SINGLETON_SPACING = 1.25;

const byName = (a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : 1);

/**
 * @param {Array<{id:string,name:string,parent_id:string|null}>} genres
 * @returns {{pos: Map<string,{x:number,y:number}>, info: Map<string,object>, unit: number,
 *            bbox: {x:[number,number], y:[number,number]}}}
 *   info: per genre {root, depth, size (subtree size), angle, treeCenter}
 */
export function layoutGenres(genres) {
  const byId = new Map();
  for (const g of genres) byId.set(g.id, g);

  // Primary-parent forest; unknown parents and cycles are broken into roots.
  const parentOf = new Map();
  for (const g of genres) {
    const p = g.parent_id;
    parentOf.set(g.id, p && p !== g.id && byId.has(p) ? p : null);
  }
  const children = new Map();
  for (const g of genres) children.set(g.id, []);
  for (const g of genres) {
    const p = parentOf.get(g.id);
    if (p) children.get(p).push(g);
  }
  for (const list of children.values()) list.sort(byName);

  const roots = genres.filter((g) => parentOf.get(g.id) === null);
  const reached = new Set();
  const walk = (rootId) => {
    const stack = [rootId];
    while (stack.length) {
      const id = stack.pop();
      if (reached.has(id)) continue;
      reached.add(id);
      for (const c of children.get(id)) stack.push(c.id);
    }
  };
  for (const r of roots) walk(r.id);
  if (reached.size < genres.length) {
    // Only possible with a cycle in parent_id: cut it at the first unreached genre.
    for (const g of genres) {
      if (reached.has(g.id)) continue;
      const p = parentOf.get(g.id);
      if (p) children.set(p, children.get(p).filter((c) => c.id !== g.id));
      parentOf.set(g.id, null);
      roots.push(g);
      walk(g.id);
    }
  }

  const info = new Map();
  const pos = new Map();
  const trees = [];
  const singles = [];
  for (const r of roots) (children.get(r.id).length ? trees : singles).push(r);

  for (const root of trees) trees[trees.indexOf(root)] = layoutTree(root, children, info);

  if (singles.length) {
    singles.sort(byName);
    const pts = new Map();
    const c = SINGLETON_SPACING / Math.sqrt(Math.PI / (2 * Math.sqrt(3))) / 1.05;
    let maxR = 0;
    singles.forEach((g, i) => {
      const r = c * Math.sqrt(i + 0.5);
      const a = i * GOLDEN_ANGLE;
      pts.set(g.id, { x: r * Math.cos(a), y: r * Math.sin(a) });
      maxR = Math.max(maxR, r);
      info.set(g.id, { root: g.id, depth: 0, size: 1, angle: a, single: true });
    });
    trees.push({ id: "\u0000singles", pts, r: maxR + TREE_MARGIN, weight: singles.length });
  }

  // Pack: biggest first; packSiblings mutates x/y on the objects it receives.
  const single = (c) => (c.t.id === "\u0000singles" ? 1 : 0);
  const circles = trees
    .map((t) => ({ t, r: t.r, x: 0, y: 0 }))
    .sort((a, b) => single(a) - single(b) || b.r - a.r || (a.t.id < b.t.id ? -1 : 1));
  packSiblings(circles);
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const c of circles) {
    for (const [id, p] of c.t.pts) {
      const x = p.x + c.x;
      const y = p.y + c.y;
      pos.set(id, { x, y });
      const i = info.get(id);
      i.treeCenter = { x: c.x, y: c.y };
      i.treeRadius = c.r;
    }
    minX = Math.min(minX, c.x - c.r);
    maxX = Math.max(maxX, c.x + c.r);
    minY = Math.min(minY, c.y - c.r);
    maxY = Math.max(maxY, c.y + c.r);
  }
  if (!circles.length) minX = minY = -1, maxX = maxY = 1;
  return { pos, info, parentOf, children, unit: 1, bbox: { x: [minX, maxX], y: [minY, maxY] } };
}

function layoutTree(root, children, info) {
  // Collect the tree (pre-order) with depths.
  const size = new Map();
  const depthOf = new Map([[root.id, 0]]);
  const order = [];
  const stack = [root];
  let maxDepth = 0;
  while (stack.length) {
    const g = stack.pop();
    order.push(g);
    for (const c of children.get(g.id)) {
      const d = depthOf.get(g.id) + 1;
      depthOf.set(c.id, d);
      if (d > maxDepth) maxDepth = d;
      stack.push(c);
    }
  }
  for (let i = order.length - 1; i >= 0; i--) {
    let sz = 1;
    for (const c of children.get(order[i].id)) sz += size.get(c.id);
    size.set(order[i].id, sz);
  }

  // Ring radii: ring 1 at r1, then RING_GAP further per level. A node on ring d needs
  // an angle of 1/radius(d) (one unit of arc); a subtree needs max(own, sum of
  // children). r1 is the smallest radius for which the whole tree fits in a circle.
  const radius = (r1, d) => (d === 0 ? 0 : r1 + (d - 1) * RING_GAP);
  const needs = (r1) => {
    const need = new Map();
    for (let i = order.length - 1; i >= 0; i--) {
      const g = order[i];
      const d = depthOf.get(g.id);
      let sum = 0;
      for (const c of children.get(g.id)) sum += need.get(c.id);
      need.set(g.id, d === 0 ? sum : Math.max(1 / radius(r1, d), sum));
    }
    return need;
  };
  let lo = MIN_STEP;
  let need = needs(lo);
  if (need.get(root.id) > TAU) {
    let hi = lo * 2;
    while (needs(hi).get(root.id) > TAU) hi *= 2;
    for (let it = 0; it < 30; it++) {
      const mid = (lo + hi) / 2;
      if (needs(mid).get(root.id) > TAU) lo = mid;
      else hi = mid;
    }
    lo = hi;
    need = needs(lo);
  }
  const r1 = lo;
  const total = need.get(root.id);
  const k = TAU / total; // spread over the whole circle (extra room when the tree is small)

  const pts = new Map();
  pts.set(root.id, { x: 0, y: 0 });
  info.set(root.id, { root: root.id, depth: 0, size: size.get(root.id), angle: 0 });
  let maxR = 0;
  const place = (g, start) => {
    const kids = children.get(g.id);
    let sum = 0;
    for (const c of kids) sum += need.get(c.id);
    let a = start + (need.get(g.id) - sum) / 2;
    for (const c of kids) {
      const n = need.get(c.id);
      const mid = (a + n / 2) * k;
      const d = depthOf.get(c.id);
      const r = radius(r1, d);
      maxR = Math.max(maxR, r);
      pts.set(c.id, { x: r * Math.cos(mid), y: r * Math.sin(mid) });
      info.set(c.id, { root: root.id, depth: d, size: size.get(c.id), angle: mid });
      place(c, a);
      a += n;
    }
  };
  place(root, 0);
  return { id: root.id, pts, r: maxR + TREE_MARGIN, weight: order.length };
}
