// Music Graph — graph page entry point (bundled to /static/js/graph.bundle.js).
//
// Loads /api/graph, lays the genre forest out (layout.js), draws it with sigma.js (WebGL)
// and wires the side panel and the search box. No inline script or style is needed:
// everything is attached from here.
import Graph from "graphology";
import Sigma from "sigma";
import { EdgeLineProgram } from "sigma/rendering";
import { fetchGraph } from "./data.js";
import { layoutGenres } from "./layout.js";
import { LabelLayer, drawNodeHover } from "./labels.js";
import { SearchBox } from "./search.js";
import { renderDetails } from "./panel.js";
import { el, formatCount } from "./text.js";

// Keep in sync with the .legend-* swatches in site.css.
export const COLORS = {
  root: "#1d4ed8",
  intermediate: "#0f766e",
  leaf: "#8a94a6",
  single: "#8ea3cf",
  band: "#d9480f",
  edge: "#c2cad6",
  edgeStrong: "#334155",
  bandEdge: "#f3b38f",
};
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif';
const LABEL_COLOR = { root: "#0b1f4d", intermediate: "#0b3b37", leaf: "#2b3442", band: "#8a2c06" };

// Pixels per layout unit at which node sizes are exactly their nominal size.
const REF_UNIT_PX = 3.5;

const gKey = (id) => `g:${id}`;
const bKey = (id) => `b:${id}`;

function setStatus(node, state, text) {
  if (!node) return;
  node.textContent = text;
  node.dataset.state = state;
  node.classList.remove("is-loading", "is-ready", "is-error");
  node.classList.add(`is-${state}`);
}

function webglAvailable() {
  try {
    const c = document.createElement("canvas");
    const gl = c.getContext("webgl2") || c.getContext("webgl") || c.getContext("experimental-webgl");
    if (!gl) return false;
    // Give the probe context back right away (browsers cap the number of contexts).
    const lose = gl.getExtension("WEBGL_lose_context");
    if (lose) lose.loseContext();
    return true;
  } catch (e) {
    return false;
  }
}

const reducedMotion = () =>
  typeof window.matchMedia === "function" && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

function genreSize(g, info) {
  const n = info ? info.size : 1;
  if (g.type === "root") return n > 1 ? Math.min(3.5 + 1.5 * Math.log2(n), 12) : 2.6;
  if (g.type === "intermediate") return Math.min(3 + 0.8 * Math.log2(n + 1), 7);
  return 2;
}

class GraphPage {
  constructor(container, status) {
    this.container = container;
    this.unitPx = REF_UNIT_PX; // updated once sigma knows the viewport
    this.status = status;
    this.details = document.getElementById("details");
    this.selected = null; // {kind, id}
    this.expanded = new Set(); // genre ids whose bands are drawn
    this.timings = { start: performance.now() };
    this.renderer = null;
  }

  async start() {
    const api = this.container.dataset.api || "/api/graph";
    setStatus(this.status, "loading", "Loading graph…");
    this.container.setAttribute("aria-busy", "true");
    const model = await fetchGraph(api);
    this.timings.loaded = performance.now();
    this.model = model;
    this.canDraw = webglAvailable();
    if (!this.panelReady) this.setupPanel();
    if (!this.search) this.setupSearch();
    if (this.canDraw) {
      try {
        this.draw();
      } catch (e) {
        console.error(e);
        this.canDraw = false;
        this.drawError = true;
        if (this.renderer) {
          try {
            this.renderer.kill();
          } catch (e2) {
            /* ignore */
          }
          this.renderer = null;
        }
      }
    }
    this.container.removeAttribute("aria-busy");
    const counts = `${formatCount(model.genres.size)} genres and ${formatCount(model.bands.size)} bands`;
    if (this.canDraw) {
      setStatus(this.status, "ready", `${counts}. Drag to pan, scroll or pinch to zoom, click a genre to show its bands.`);
      // The hint fades out after a while (it stays in the DOM for assistive tech).
      window.setTimeout(() => this.status && this.status.classList.add("is-faded"), 9000);
    } else {
      setStatus(
        this.status,
        "error",
        this.drawError
          ? `Could not draw the graph in this browser. Search still works for the ${counts}.`
          : `This browser cannot draw the graph (WebGL is unavailable). Search still works for the ${counts}.`,
      );
    }
    this.applyHash();
    if (!this.hashBound) window.addEventListener("hashchange", () => this.applyHash());
    this.hashBound = true;
    this.timings.ready = performance.now();
    document.documentElement.dataset.graphReady = "1";
  }

  // ---------------------------------------------------------------- drawing

  draw() {
    const { genres } = this.model;
    const t0 = performance.now();
    const layout = layoutGenres([...genres.values()]);
    this.layout = layout;
    this.timings.layoutMs = performance.now() - t0;

    const graph = new Graph({ type: "undirected", multi: false, allowSelfLoops: false });
    for (const g of genres.values()) {
      const p = layout.pos.get(g.id);
      const info = layout.info.get(g.id);
      const single = g.type === "root" && info.size <= 1;
      graph.addNode(gKey(g.id), {
        x: p.x,
        y: p.y,
        size: genreSize(g, info),
        color: single ? COLORS.single : COLORS[g.type] || COLORS.leaf,
        label: g.name,
        kind: "genre",
        gtype: g.type,
        zIndex: g.type === "root" ? 1 : 0,
      });
    }
    for (const [id, parent] of layout.parentOf) {
      if (parent) graph.addEdgeWithKey(`e:${id}`, gKey(id), gKey(parent), { size: 1, color: COLORS.edge });
    }
    this.graph = graph;

    // Static label priority: big families first.
    const rank = (k) => {
      const a = graph.getNodeAttributes(k);
      const info = layout.info.get(k.slice(2));
      if (a.gtype === "root") return info && info.size > 1 ? 0 : 3;
      return a.gtype === "intermediate" ? 1 : 2;
    };
    const order = graph.nodes();
    const sizeOf = (k) => (layout.info.get(k.slice(2)) || { size: 1 }).size;
    order.sort((a, b) => rank(a) - rank(b) || sizeOf(b) - sizeOf(a) || (a < b ? -1 : 1));
    this.genreOrder = order;

    const pad = 1.5;
    const bbox = { x: [layout.bbox.x[0] - pad, layout.bbox.x[1] + pad], y: [layout.bbox.y[0] - pad, layout.bbox.y[1] + pad] };
    const t1 = performance.now();
    const renderer = new Sigma(graph, this.container, {
      allowInvalidContainer: true,
      // 1px GL lines for the bulk of the edges: in software-rendered WebGL (no GPU,
      // e.g. headless or some VMs) the default rectangle edges cost ~2x per frame.
      // Highlighted edges use the thicker default "line" (rectangle) program.
      defaultEdgeType: "thin",
      edgeProgramClasses: { thin: EdgeLineProgram },
      renderLabels: false, // LabelLayer draws them
      renderEdgeLabels: false,
      enableEdgeEvents: false,
      zIndex: true,
      labelFont: FONT,
      labelSize: 13,
      labelWeight: "600",
      defaultDrawNodeHover: drawNodeHover,
      stagePadding: 40,
      // Node sizes follow the layout's scale on screen (pixels per layout unit), not
      // the camera ratio alone, so a phone and a large monitor show the same picture
      // at the same density; and they grow more slowly than sigma's default (sqrt)
      // when zooming in, so that big roots do not cover their neighbourhood.
      zoomToSizeRatioFunction: (ratio) => Math.pow((ratio * REF_UNIT_PX) / this.unitPx, 0.38),
      minCameraRatio: 0.01,
      maxCameraRatio: 3,
      enableCameraRotation: false,
      nodeReducer: (key, attrs) => this.reduceNode(key, attrs),
      edgeReducer: (key, attrs) => this.reduceEdge(key, attrs),
    });
    this.renderer = renderer;
    renderer.setCustomBBox(bbox); // bands added later must not rescale the picture
    this.unitPx = this.unitPixels();
    renderer.on("resize", () => {
      this.unitPx = this.unitPixels();
    });
    // Hover detection reads a pixel back from the GPU on every mouse move, which stalls
    // the main thread when WebGL is rendered in software: skip it while dragging.
    const captor = renderer.getMouseCaptor();
    const pick = renderer.getNodeAtPosition.bind(renderer);
    renderer.getNodeAtPosition = (position) => (captor.isMouseDown ? null : pick(position));
    this.labels = new LabelLayer(renderer, {
      styleOf: (key, attrs) => this.labelStyle(key, attrs),
      unitPx: () => this.unitPx,
    });
    this.labels.setOrder(order);
    this.timings.sigmaMs = performance.now() - t1;

    renderer.on("clickNode", ({ node }) => {
      // A double click is two clicks: do not toggle the bands twice.
      const now = performance.now();
      if (this.lastClick && this.lastClick.node === node && now - this.lastClick.t < 350) return;
      this.lastClick = { node, t: now };
      this.onNodeClick(node);
    });
    renderer.on("enterNode", () => this.container.classList.add("is-pointing"));
    renderer.on("leaveNode", () => this.container.classList.remove("is-pointing"));
    renderer.once("afterRender", () => {
      this.timings.firstRender = performance.now();
    });
    renderer.refresh();
    this.addControls();
    this.addLegend();
    this.setupKeyboard();
  }

  /** Arrow keys pan, +/- zoom, 0 shows everything, when the graph has focus. */
  setupKeyboard() {
    const c = this.container;
    c.tabIndex = 0;
    if (!c.hasAttribute("role")) c.setAttribute("role", "region");
    c.setAttribute("aria-roledescription", "graph");
    c.setAttribute("aria-keyshortcuts", "ArrowUp ArrowDown ArrowLeft ArrowRight + - 0");
    c.title = "Arrow keys: pan; + and −: zoom; 0: whole graph";
    c.addEventListener("keydown", (ev) => {
      if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
      const cam = this.renderer.getCamera();
      // Key presses during an animation build on where the camera is going.
      const base = cam.isAnimated() && this.keyTarget ? this.keyTarget : cam.getState();
      const t = { x: base.x, y: base.y, ratio: base.ratio };
      const step = 0.12 * base.ratio;
      // Which way is "down" on screen in camera coordinates?
      const a = this.renderer.framedGraphToViewport({ x: 0, y: 0 });
      const b = this.renderer.framedGraphToViewport({ x: 0, y: 1 });
      const down = b.y > a.y ? 1 : -1;
      let handled = true;
      switch (ev.key) {
        case "ArrowLeft":
          t.x -= step;
          break;
        case "ArrowRight":
          t.x += step;
          break;
        case "ArrowUp":
          t.y -= down * step;
          break;
        case "ArrowDown":
          t.y += down * step;
          break;
        case "+":
        case "=":
          t.ratio = cam.getBoundedRatio(base.ratio / 1.5);
          break;
        case "-":
        case "_":
          t.ratio = cam.getBoundedRatio(base.ratio * 1.5);
          break;
        case "0":
          t.x = 0.5;
          t.y = 0.5;
          t.ratio = 1;
          break;
        default:
          handled = false;
      }
      if (handled) {
        this.keyTarget = t;
        cam.animate(t, { duration: reducedMotion() ? 0 : 180 });
      }
      if (handled) ev.preventDefault();
    });
  }

  labelStyle(key, attrs) {
    if (attrs.kind === "band") return { font: `italic 600 12px ${FONT}`, size: 12, color: LABEL_COLOR.band, minUnitPx: 0 };
    switch (attrs.gtype) {
      case "root":
        return attrs.size > 4
          ? { font: `700 14px ${FONT}`, size: 14, color: LABEL_COLOR.root, minUnitPx: 0 }
          : { font: `500 12px ${FONT}`, size: 12, color: LABEL_COLOR.root, minUnitPx: 9 };
      case "intermediate":
        return { font: `600 12.5px ${FONT}`, size: 12.5, color: LABEL_COLOR.intermediate, minUnitPx: 6 };
      default:
        return { font: `12px ${FONT}`, size: 12, color: LABEL_COLOR.leaf, minUnitPx: 9 };
    }
  }

  reduceNode(key, attrs) {
    const sel = this.selectedKey;
    if (!sel) return attrs;
    if (key === sel) return { ...attrs, highlighted: true, zIndex: 4, size: attrs.size * 1.3 + 1 };
    if (this.relatedNodes.has(key)) return { ...attrs, zIndex: 3 };
    return attrs;
  }

  reduceEdge(key, attrs) {
    if (this.relatedEdges && this.relatedEdges.has(key)) {
      return { ...attrs, type: "line", color: COLORS.edgeStrong, size: 2, zIndex: 2 };
    }
    return attrs;
  }

  addControls() {
    const wrap = this.container.parentElement;
    const bar = el("div", "graph-controls");
    const mk = (label, text, fn) => {
      const b = el("button", "graph-control", text);
      b.type = "button";
      b.setAttribute("aria-label", label);
      b.title = label;
      b.addEventListener("click", fn);
      bar.appendChild(b);
    };
    const cam = () => this.renderer.getCamera();
    const duration = () => (reducedMotion() ? 0 : 250);
    mk("Zoom in", "+", () => cam().animatedZoom({ duration: duration() }));
    mk("Zoom out", "−", () => cam().animatedUnzoom({ duration: duration() }));
    mk("Show the whole graph", "⤢", () => cam().animatedReset({ duration: duration() }));
    wrap.appendChild(bar);
  }

  addLegend() {
    const wrap = this.container.parentElement;
    const ul = el("ul", "graph-legend");
    ul.setAttribute("aria-label", "Legend");
    for (const [cls, text] of [
      ["root", "root genre"],
      ["intermediate", "genre with subgenres"],
      ["leaf", "genre without subgenres"],
      ["band", "band"],
    ]) {
      const li = el("li");
      li.appendChild(el("span", `legend-swatch legend-${cls}`));
      li.appendChild(document.createTextNode(text));
      ul.appendChild(li);
    }
    wrap.appendChild(ul);
  }

  /** Pixels per layout unit at camera ratio 1 (depends on the viewport size). */
  unitPixels() {
    const state = { x: 0.5, y: 0.5, ratio: 1, angle: 0 };
    const a = this.renderer.graphToViewport({ x: 0, y: 0 }, { cameraState: state });
    const b = this.renderer.graphToViewport({ x: 1, y: 0 }, { cameraState: state });
    return Math.hypot(b.x - a.x, b.y - a.y) || 1;
  }

  focusNode(key, { duration = 650 } = {}) {
    const r = this.renderer;
    if (!r || !this.graph.hasNode(key)) return;
    const d = r.getNodeDisplayData(key);
    if (!d) return;
    const cam = r.getCamera();
    // Zoom so that neighbours are ~30 px apart, unless the user is already closer.
    const target = Math.min(cam.ratio, this.unitPixels() / 30);
    cam.animate({ x: d.x, y: d.y, ratio: target }, { duration: reducedMotion() ? 0 : duration, easing: "quadraticInOut" });
  }

  // ---------------------------------------------------------------- bands

  /**
   * Bands of a genre are drawn as a short column beside it, on the side that points
   * away from the family's centre; their labels face outwards and the genre's own
   * label moves to the other side, so nothing overlaps at the focus zoom level.
   */
  bandPlacement(genreId, n) {
    const p = this.layout.pos.get(genreId);
    const info = this.layout.info.get(genreId);
    const side = info.depth === 0 || info.single ? 1 : Math.cos(info.angle) < -0.05 ? -1 : 1;
    // Which way is "down" on screen in graph coordinates?
    const a = this.renderer.graphToViewport({ x: 0, y: 0 });
    const b = this.renderer.graphToViewport({ x: 0, y: 1 });
    const down = b.y > a.y ? 1 : -1;
    const gap = 0.75;
    const pts = [];
    for (let i = 0; i < n; i++) {
      pts.push({ x: p.x + side * 1.7, y: p.y + down * (i - (n - 1) / 2) * gap });
    }
    return { pts, side: side > 0 ? "right" : "left" };
  }

  showBands(genreId) {
    if (!this.renderer || this.expanded.has(genreId)) return;
    const g = this.model.genres.get(genreId);
    if (!g || !g.primaryBands.length) return;
    const bands = g.primaryBands.filter((b) => !this.graph.hasNode(bKey(b.id)));
    const { pts, side } = this.bandPlacement(genreId, bands.length);
    bands.forEach((b, i) => {
      this.graph.addNode(bKey(b.id), {
        x: pts[i].x,
        y: pts[i].y,
        size: 4,
        color: COLORS.band,
        label: b.name,
        kind: "band",
        labelSide: side,
        zIndex: 2,
      });
      this.graph.addEdgeWithKey(`be:${b.id}`, bKey(b.id), gKey(genreId), { size: 1, color: COLORS.bandEdge });
    });
    if (bands.length) this.graph.setNodeAttribute(gKey(genreId), "labelSide", side === "right" ? "left" : "right");
    this.expanded.add(genreId);
    this.updateOrder();
  }

  hideBands(genreId) {
    if (!this.expanded.has(genreId)) return;
    const g = this.model.genres.get(genreId);
    for (const b of g.primaryBands) {
      if (this.graph.hasNode(bKey(b.id))) this.graph.dropNode(bKey(b.id));
      if (this.selected && this.selected.kind === "band" && this.selected.id === b.id) this.selectedKey = null;
    }
    this.expanded.delete(genreId);
    this.graph.removeNodeAttribute(gKey(genreId), "labelSide");
    this.updateOrder();
  }

  toggleBands(genreId) {
    if (this.expanded.has(genreId)) this.hideBands(genreId);
    else this.showBands(genreId);
    this.refreshHighlight();
    if (this.selected && this.selected.kind === "genre" && this.selected.id === genreId) this.renderPanel();
  }

  updateOrder() {
    // Drawn bands come right after the root genres in the label order.
    const bands = this.graph.filterNodes((k, a) => a.kind === "band").sort();
    const i = this.genreOrder.findIndex((k) => this.graph.getNodeAttribute(k, "gtype") !== "root");
    this.labels.setOrder([...this.genreOrder.slice(0, i < 0 ? 0 : i), ...bands, ...this.genreOrder.slice(i < 0 ? 0 : i)]);
  }

  // ---------------------------------------------------------------- selection

  onNodeClick(key) {
    const attrs = this.graph.getNodeAttributes(key);
    const id = key.slice(2);
    if (attrs.kind === "genre") {
      this.toggleBandsQuiet(id);
      this.select({ kind: "genre", id }, { focus: false });
    } else {
      this.select({ kind: "band", id }, { focus: false });
    }
  }

  toggleBandsQuiet(id) {
    if (this.expanded.has(id)) this.hideBands(id);
    else this.showBands(id);
  }

  /** Selects a genre or band: panel, highlight, optional camera move. */
  select(ref, { focus = true, moveFocusToPanel = false } = {}) {
    const item = ref.kind === "band" ? this.model.bands.get(ref.id) : this.model.genres.get(ref.id);
    if (!item) return;
    this.selected = { kind: ref.kind, id: ref.id };
    let key = null;
    if (this.renderer) {
      if (ref.kind === "band") {
        if (item.primary_genre_id) this.showBands(item.primary_genre_id);
        key = this.graph.hasNode(bKey(item.id)) ? bKey(item.id) : null;
      } else {
        key = gKey(item.id);
      }
    }
    this.selectedKey = key;
    this.refreshHighlight();
    const heading = this.renderPanel();
    if (focus && key) this.focusNode(key);
    const hash = `#${ref.kind}=${encodeURIComponent(ref.id)}`;
    if (window.location.hash !== hash) {
      try {
        window.history.replaceState(null, "", hash);
      } catch (e) {
        /* ignore (e.g. sandboxed iframes) */
      }
    }
    this.lastHash = hash;
    if (moveFocusToPanel && heading) heading.focus({ preventScroll: false });
  }

  refreshHighlight() {
    const nodes = new Set();
    const edges = new Set();
    const key = this.selectedKey;
    if (this.renderer && key && this.graph.hasNode(key)) {
      this.graph.forEachEdge(key, (e, a, s, t) => {
        edges.add(e);
        nodes.add(s === key ? t : s);
      });
      // Also the path up to the family's root.
      let id = key.startsWith("g:") ? key.slice(2) : null;
      while (id && this.layout.parentOf.get(id)) {
        const p = this.layout.parentOf.get(id);
        edges.add(`e:${id}`);
        nodes.add(gKey(p));
        id = p;
      }
      if (key.startsWith("g:")) {
        for (const p of this.model.genres.get(key.slice(2)).parents) nodes.add(gKey(p));
      }
    }
    this.relatedNodes = nodes;
    this.relatedEdges = edges;
    if (this.renderer) {
      // Label priority: the selection, its bands, then its other neighbours.
      const related = [...nodes].sort((a, b) => (a[0] === b[0] ? 0 : a[0] === "b" ? -1 : 1));
      this.labels.setPriority(key ? [key, ...related] : [], key);
      this.renderer.refresh();
    }
  }

  renderPanel() {
    if (!this.details || !this.selected) return null;
    const item =
      this.selected.kind === "band" ? this.model.bands.get(this.selected.id) : this.model.genres.get(this.selected.id);
    if (!item) return null;
    return renderDetails(this.details, item, {
      model: this.model,
      canDraw: !!this.renderer,
      bandsShown: item.kind === "genre" && this.expanded.has(item.id),
    });
  }

  setupPanel() {
    this.panelReady = true;
    if (!this.details) return;
    this.details.addEventListener("click", (ev) => {
      const btn = ev.target.closest("button[data-action='toggle-bands']");
      if (btn) {
        this.toggleBands(btn.dataset.id);
        const again = this.details.querySelector("button[data-action='toggle-bands']");
        if (again) again.focus();
        return;
      }
      const a = ev.target.closest("a[data-kind][data-id]");
      if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      this.select({ kind: a.dataset.kind, id: a.dataset.id }, { focus: true, moveFocusToPanel: ev.detail === 0 });
    });
  }

  setupSearch() {
    const form = document.getElementById("search-form");
    const input = document.getElementById("search");
    const list = document.getElementById("search-results");
    if (!form || !input || !list) return;
    this.search = new SearchBox({
      form,
      input,
      list,
      model: this.model,
      onChoose: (item, viaKeyboard) => {
        this.select({ kind: item.kind, id: item.id }, { focus: true, moveFocusToPanel: viaKeyboard });
      },
    });
  }

  applyHash() {
    const m = /^#(genre|band)=(.+)$/.exec(window.location.hash);
    if (!m || window.location.hash === this.lastHash) return;
    let id;
    try {
      id = decodeURIComponent(m[2]);
    } catch (e) {
      return;
    }
    this.select({ kind: m[1], id }, { focus: true });
  }
}

function boot() {
  const container = document.getElementById("graph");
  const status = document.getElementById("graph-status");
  if (!container) return;
  const page = new GraphPage(container, status);
  window.musicGraph = page; // handy for debugging and the e2e perf script
  const run = () =>
    page.start().catch((err) => {
      container.removeAttribute("aria-busy");
      setStatus(status, "error", err && err.reason ? err.message : "Could not load the graph (unexpected error)");
      if (!(err && err.reason)) console.error(err);
      if (status && !page.renderer) {
        // Offer a retry (the button lives inside the status box).
        const retry = el("button", "button button-small graph-retry", "Try again");
        retry.type = "button";
        retry.addEventListener("click", () => {
          retry.remove();
          run();
        });
        status.appendChild(document.createTextNode(" "));
        status.appendChild(retry);
      }
    });
  run();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
else boot();
