// Label layer: replaces sigma's grid-based label selection with a greedy, collision-free
// placement, so labels never overlap whatever the zoom level.
//
// On every sigma render, nodes are visited in a fixed priority order (selection and its
// neighbours, then roots by family size, bands, intermediates, leaves). A node's label is
// drawn if the node is on screen, big enough on screen, and its label box (right of the
// node, or else left of it) does not overlap a label already drawn. A uniform grid makes
// the overlap test cheap; the number of labels per frame is capped.

const CELL = 48;
const MAX_LABELS = 260;
const GAP = 3;

export class LabelLayer {
  /**
   * @param {import('sigma').default} renderer
   * @param {{styleOf: (key: string, attrs: object) => {font: string, size: number,
   *   color: string, minUnitPx: number}, unitPx: () => number}} opts
   *   minUnitPx: the label is a candidate once one layout unit (the minimum distance
   *   between neighbours) is at least that many pixels on screen.
   */
  constructor(renderer, opts) {
    this.renderer = renderer;
    this.styleOf = opts.styleOf;
    this.unitPx = opts.unitPx;
    this.order = [];
    this.priority = new Set(); // drawn first and regardless of size
    this.forced = null;
    this.widths = new Map(); // font -> Map(label -> width)
    this.styles = new Map(); // node key -> style (styles only depend on static attributes)
    this.lastCount = 0;
    this.onRender = () => this.draw();
    renderer.on("afterRender", this.onRender);
  }

  setOrder(order) {
    this.order = order;
  }

  /** Labels of `keys` are considered first and shown at any zoom level (space
   * permitting); the label of `forced` is drawn even if it overlaps. */
  setPriority(keys, forced = null) {
    this.priority = new Set(keys);
    this.forced = forced;
  }

  measure(ctx, font, text) {
    let m = this.widths.get(font);
    if (!m) this.widths.set(font, (m = new Map()));
    let w = m.get(text);
    if (w === undefined) {
      w = ctx.measureText(text).width;
      m.set(text, w);
    }
    return w;
  }

  draw() {
    const r = this.renderer;
    const canvas = r.getCanvases().labels;
    if (!canvas) return;
    const ctx = canvas.getContext("2d");
    const { width, height } = r.getDimensions();
    const cols = Math.ceil(width / CELL) + 1;
    const grid = new Map();
    const graph = r.getGraph();
    let count = 0;
    const upx = this.unitPx() / r.getCamera().getState().ratio;

    const fits = (x1, y1, x2, y2) => {
      const c1 = Math.max(0, Math.floor(x1 / CELL)), c2 = Math.floor(x2 / CELL);
      const r1 = Math.max(0, Math.floor(y1 / CELL)), r2 = Math.floor(y2 / CELL);
      for (let row = r1; row <= r2; row++) {
        for (let col = c1; col <= c2; col++) {
          const cell = grid.get(row * cols + col);
          if (!cell) continue;
          for (let i = 0; i < cell.length; i++) {
            const b = cell[i];
            if (x1 < b[2] && x2 > b[0] && y1 < b[3] && y2 > b[1]) return false;
          }
        }
      }
      return true;
    };
    const occupy = (box) => {
      const c1 = Math.max(0, Math.floor(box[0] / CELL)), c2 = Math.floor(box[2] / CELL);
      const r1 = Math.max(0, Math.floor(box[1] / CELL)), r2 = Math.floor(box[3] / CELL);
      for (let row = r1; row <= r2; row++) {
        for (let col = c1; col <= c2; col++) {
          const k = row * cols + col;
          const cell = grid.get(k);
          if (cell) cell.push(box);
          else grid.set(k, [box]);
        }
      }
    };

    ctx.save();
    ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "rgba(255,255,255,0.92)";
    ctx.lineWidth = 3.5;
    let font = "";

    const visit = (key, important, forced) => {
      if (count >= MAX_LABELS) return;
      const data = r.getNodeDisplayData(key);
      if (!data || data.hidden || !data.label) return;
      const attrs = graph.getNodeAttributes(key);
      let st = this.styles.get(key);
      if (!st) this.styles.set(key, (st = this.styleOf(key, attrs)));
      if (!important && upx < st.minUnitPx) return;
      const size = r.scaleSize(data.size);
      const p = r.framedGraphToViewport(data);
      if (p.x < -300 || p.x > width + 300 || p.y < -20 || p.y > height + 20) return;
      if (font !== st.font) ctx.font = font = st.font;
      const w = this.measure(ctx, st.font, data.label);
      const h = st.size + 2;
      const y1 = p.y - h / 2, y2 = p.y + h / 2;
      // Label to the right of the node (or to the left if the node's labelSide says
      // so); if that place is taken, try the other side.
      const boxFor = (side) => {
        if (side === "right") {
          const x = p.x + size + GAP;
          return { x, align: "left", box: [x - 1, y1, x + w + 1, y2] };
        }
        const x = p.x - size - GAP;
        return { x, align: "right", box: [x - w - 1, y1, x + 1, y2] };
      };
      const first = attrs.labelSide === "left" ? "left" : "right";
      let place = boxFor(first);
      if (!fits(...place.box)) {
        const other = boxFor(first === "right" ? "left" : "right");
        if (fits(...other.box)) place = other;
        else if (!forced) return;
      }
      const { x, align, box } = place;
      if (box[2] < 0 || box[0] > width) return;
      occupy(box);
      // Also reserve the node itself so other labels do not cover it.
      occupy([p.x - size, p.y - size, p.x + size, p.y + size]);
      ctx.textAlign = align;
      ctx.strokeText(data.label, x, p.y);
      ctx.fillStyle = st.color;
      ctx.fillText(data.label, x, p.y);
      count++;
    };

    for (const key of this.priority) if (graph.hasNode(key)) visit(key, true, key === this.forced);
    for (let i = 0; i < this.order.length && count < MAX_LABELS; i++) {
      const key = this.order[i];
      if (!this.priority.has(key) && graph.hasNode(key)) visit(key, false, false);
    }
    ctx.restore();
    this.lastCount = count;
  }

  kill() {
    this.renderer.off("afterRender", this.onRender);
  }
}

/**
 * Hover / selection marker (sigma's defaultDrawNodeHover): a white halo around the node
 * and a white label box on the node's label side (labelSide attribute).
 */
export function drawNodeHover(ctx, data, settings) {
  const fontSize = settings.labelSize;
  const label = typeof data.label === "string" ? data.label : "";
  const PAD = 3;
  ctx.save();
  ctx.font = `${settings.labelWeight} ${fontSize}px ${settings.labelFont}`;
  const w = label ? ctx.measureText(label).width : 0;
  ctx.fillStyle = "#fff";
  ctx.shadowOffsetX = 0;
  ctx.shadowOffsetY = 1;
  ctx.shadowBlur = 8;
  ctx.shadowColor = "rgba(15, 23, 42, 0.45)";
  ctx.beginPath();
  ctx.arc(data.x, data.y, data.size + PAD, 0, Math.PI * 2);
  ctx.closePath();
  ctx.fill();
  if (label) {
    const h = fontSize + 2 * PAD;
    const left = data.labelSide === "left";
    const x0 = left ? data.x - data.size - GAP - w - PAD : data.x + data.size;
    const x1 = left ? data.x - data.size : data.x + data.size + GAP + w + PAD;
    ctx.beginPath();
    if (typeof ctx.roundRect === "function") ctx.roundRect(x0, data.y - h / 2, x1 - x0, h, 4);
    else ctx.rect(x0, data.y - h / 2, x1 - x0, h);
    ctx.fill();
    ctx.shadowBlur = 0;
    ctx.shadowOffsetY = 0;
    ctx.fillStyle = "#0f172a";
    ctx.textBaseline = "middle";
    ctx.textAlign = left ? "right" : "left";
    ctx.fillText(label, left ? data.x - data.size - GAP : data.x + data.size + GAP, data.y);
  }
  ctx.restore();
}
