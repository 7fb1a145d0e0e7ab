// Search box: an ARIA 1.2 combobox over genre names, aliases and band names.
// Matching is case- and accent-insensitive. Results are built with textContent only.
import { fold, el } from "./text.js";

const MAX_RESULTS = 12;
const TYPE_LABEL = { root: "root genre", intermediate: "genre", leaf: "genre" };

export function buildIndex(model) {
  const entries = [];
  for (const g of model.genres.values()) {
    entries.push({
      kind: "genre",
      item: g,
      name: g.name,
      folded: fold(g.name),
      aliases: g.aliases.map((a) => ({ alias: a, folded: fold(a) })),
      weight: g.type === "root" ? 0 : g.type === "intermediate" ? 1 : 2,
    });
  }
  for (const b of model.bands.values()) {
    entries.push({ kind: "band", item: b, name: b.name, folded: fold(b.name), aliases: [], weight: 1 });
  }
  return entries;
}

function wordStart(hay, needle) {
  let i = hay.indexOf(needle, 1);
  while (i > 0) {
    if (!/[a-z0-9]/.test(hay[i - 1])) return true;
    i = hay.indexOf(needle, i + 1);
  }
  return false;
}

/** Returns {total, hits}: up to `limit` {entry, score, alias}, best first. */
export function searchIndex(entries, query, limit = MAX_RESULTS) {
  const q = fold(query);
  if (!q) return { total: 0, hits: [] };
  const hits = [];
  for (const e of entries) {
    let score = -1;
    let alias = null;
    const n = e.folded;
    if (n === q) score = 0;
    else if (n.startsWith(q)) score = 1;
    else if (wordStart(n, q)) score = 2;
    else {
      for (const a of e.aliases) {
        let s = -1;
        if (a.folded === q) s = 3;
        else if (a.folded.startsWith(q) || wordStart(a.folded, q)) s = 4;
        else if (a.folded.includes(q)) s = 6;
        if (s >= 0 && (score < 0 || s < score)) {
          score = s;
          alias = a.alias;
        }
      }
      if ((score < 0 || score > 5) && n.includes(q)) {
        score = 5;
        alias = null;
      }
    }
    if (score >= 0) hits.push({ entry: e, score, alias });
  }
  hits.sort(
    (a, b) =>
      a.score - b.score ||
      a.entry.weight - b.entry.weight ||
      a.entry.name.length - b.entry.name.length ||
      (a.entry.folded < b.entry.folded ? -1 : a.entry.folded > b.entry.folded ? 1 : 0),
  );
  return { total: hits.length, hits: hits.slice(0, limit) };
}

export class SearchBox {
  /**
   * @param {{form: HTMLFormElement, input: HTMLInputElement, list: HTMLElement,
   *   model: object, onChoose: (item: object, viaKeyboard: boolean) => void}} o
   */
  constructor({ form, input, list, model, onChoose }) {
    this.form = form;
    this.input = input;
    this.list = list;
    this.model = model;
    this.onChoose = onChoose;
    this.entries = buildIndex(model);
    this.options = [];
    this.active = -1;

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    list.setAttribute("aria-label", "Search results");
    this.live = el("p", "visually-hidden");
    this.live.setAttribute("role", "status");
    this.live.setAttribute("aria-live", "polite");
    form.appendChild(this.live);

    input.addEventListener("input", () => this.update());
    input.addEventListener("focus", () => {
      if (input.value.trim() && !this.options.length) this.update();
    });
    input.addEventListener("keydown", (ev) => this.onKey(ev));
    input.addEventListener("blur", () => {
      // A click on an option keeps focus (mousedown is cancelled below).
      this.close();
    });
    list.addEventListener("mousedown", (ev) => ev.preventDefault());
    list.addEventListener("click", (ev) => {
      const li = ev.target.closest("li[data-index]");
      if (!li) return;
      const o = this.options[Number(li.dataset.index)];
      if (!o) return;
      if (o.item) {
        ev.preventDefault();
        this.choose(Number(li.dataset.index), false);
      } else if (!ev.target.closest("a")) {
        window.location.assign(o.href);
      }
    });
    form.addEventListener("submit", (ev) => {
      // Enter with an option highlighted selects it; otherwise the form submits to
      // /search as usual.
      if (this.active >= 0 && this.options[this.active] && this.options[this.active].item) {
        ev.preventDefault();
        this.choose(this.active, true);
      }
    });
  }

  update() {
    const q = this.input.value;
    const res = searchIndex(this.entries, q);
    this.list.replaceChildren();
    this.options = [];
    this.active = -1;
    if (!q.trim()) {
      this.close();
      this.live.textContent = "";
      return;
    }
    const hits = res.hits || [];
    hits.forEach((h, i) => {
      const e = h.entry;
      const li = el("li", "search-result");
      li.id = `search-opt-${i}`;
      li.dataset.index = String(i);
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.appendChild(el("span", "search-result-name", e.name));
      let meta;
      if (e.kind === "band") {
        const g = e.item.primary_genre_id && this.model.genres.get(e.item.primary_genre_id);
        meta = g ? `band · ${g.name}` : "band";
      } else {
        meta = TYPE_LABEL[e.item.type] || "genre";
      }
      li.appendChild(el("span", `search-result-meta kind-${e.kind}`, meta));
      if (h.alias) li.appendChild(el("span", "search-result-alias", `also called “${h.alias}”`));
      this.list.appendChild(li);
      this.options.push({ li, item: e.item });
    });
    // Last option: the full search page (works like the no-JS form).
    const li = el("li", "search-result search-result-all");
    const i = this.options.length;
    li.id = `search-opt-${i}`;
    li.dataset.index = String(i);
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", "false");
    const a = el("a", null, hits.length ? `All results for “${q.trim()}”` : `No match in the graph — search all for “${q.trim()}”`);
    a.href = `${this.form.getAttribute("action") || "/search"}?q=${encodeURIComponent(q.trim())}`;
    a.tabIndex = -1;
    li.appendChild(a);
    this.list.appendChild(li);
    this.options.push({ li, item: null, href: a.href });

    this.input.setAttribute("aria-expanded", "true");
    this.list.classList.add("is-open");
    this.live.textContent = hits.length
      ? `${res.total} result${res.total === 1 ? "" : "s"}${res.total > hits.length ? `, first ${hits.length} shown` : ""}`
      : "No results";
    if (hits.length) this.setActive(0);
  }

  setActive(i) {
    if (this.active >= 0 && this.options[this.active]) {
      this.options[this.active].li.setAttribute("aria-selected", "false");
      this.options[this.active].li.classList.remove("is-active");
    }
    this.active = i;
    if (i >= 0 && this.options[i]) {
      const li = this.options[i].li;
      li.setAttribute("aria-selected", "true");
      li.classList.add("is-active");
      this.input.setAttribute("aria-activedescendant", li.id);
      if (li.scrollIntoView) li.scrollIntoView({ block: "nearest" });
    } else {
      this.input.removeAttribute("aria-activedescendant");
    }
  }

  onKey(ev) {
    const n = this.options.length;
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!n) {
        if (this.input.value.trim()) this.update();
        ev.preventDefault();
        return;
      }
      ev.preventDefault();
      const d = ev.key === "ArrowDown" ? 1 : -1;
      this.setActive(this.active < 0 ? (d > 0 ? 0 : n - 1) : (this.active + d + n) % n);
    } else if (ev.key === "Enter") {
      const o = this.options[this.active];
      if (o && !o.item && o.href) {
        ev.preventDefault();
        window.location.assign(o.href);
      }
      // Otherwise the submit handler decides.
    } else if (ev.key === "Escape") {
      if (n) {
        ev.preventDefault();
        this.close();
      } else if (this.input.value) {
        ev.preventDefault();
        this.input.value = "";
      }
    }
  }

  choose(i, viaKeyboard) {
    const o = this.options[i];
    if (!o) return;
    if (!o.item) {
      window.location.assign(o.href);
      return;
    }
    this.input.value = o.item.name;
    this.close();
    this.onChoose(o.item, viaKeyboard);
  }

  close() {
    this.list.replaceChildren();
    this.list.classList.remove("is-open");
    this.options = [];
    this.active = -1;
    this.input.setAttribute("aria-expanded", "false");
    this.input.removeAttribute("aria-activedescendant");
  }
}
