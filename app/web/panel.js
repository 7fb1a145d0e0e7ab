// Side panel (#details). Every name, id and alias goes through textContent/setAttribute;
// only description_html (cmark safe-mode output from the server) is set with innerHTML.
import { el, formatCount } from "./text.js";

const TYPE_TEXT = { root: "Root genre", intermediate: "Genre with subgenres", leaf: "Genre" };

export const genreHref = (id) => `/genres/${encodeURIComponent(id)}`;
export const bandHref = (id) => `/bands/${encodeURIComponent(id)}`;

function nodeLink(item, extra) {
  const a = el("a", "node-link", item.name);
  a.href = item.kind === "band" ? bandHref(item.id) : genreHref(item.id);
  a.dataset.kind = item.kind;
  a.dataset.id = item.id;
  if (extra) a.title = extra;
  return a;
}

function linkSection(title, items, opts = {}) {
  const sec = el("section", "details-section");
  sec.appendChild(el("h3", null, items.length > 1 ? `${title} (${formatCount(items.length)})` : title));
  const ul = el("ul", "link-list");
  for (const it of items) {
    const li = el("li");
    li.appendChild(nodeLink(it));
    if (opts.mark && opts.mark(it)) li.appendChild(el("span", "tag", opts.markText));
    ul.appendChild(li);
  }
  sec.appendChild(ul);
  return sec;
}

function description(html) {
  const d = el("div", "description");
  d.innerHTML = html; // server-rendered by cmark in safe mode (see docs/frontend.md)
  return d;
}

/**
 * @param {HTMLElement} root #details
 * @param {object} item genre or band from the model
 * @param {object} ctx {model, bandsShown: boolean, canDraw: boolean}
 */
export function renderDetails(root, item, ctx) {
  const { model } = ctx;
  const frag = document.createDocumentFragment();
  const h = el("h2", "details-title", item.name);
  h.tabIndex = -1;
  frag.appendChild(h);

  if (item.kind === "genre") {
    const meta = el("p", "details-meta");
    meta.appendChild(el("span", `type-badge type-${item.type}`, TYPE_TEXT[item.type] || "Genre"));
    frag.appendChild(meta);
    if (item.aliases.length) {
      const p = el("p", "details-aliases");
      p.appendChild(el("span", "details-label", "Also known as: "));
      p.appendChild(document.createTextNode(item.aliases.join(", ")));
      frag.appendChild(p);
    }
    const actions = el("p", "details-actions");
    if (ctx.canDraw && item.primaryBands.length) {
      const b = el(
        "button",
        "button button-small",
        ctx.bandsShown
          ? "Hide its bands in the graph"
          : `Show ${item.primaryBands.length === 1 ? "its band" : `its ${formatCount(item.primaryBands.length)} bands`} in the graph`,
      );
      b.type = "button";
      b.dataset.action = "toggle-bands";
      b.dataset.id = item.id;
      b.setAttribute("aria-pressed", ctx.bandsShown ? "true" : "false");
      actions.appendChild(b);
    }
    const page = el("a", "details-permalink", "Genre page");
    page.href = genreHref(item.id);
    actions.appendChild(page);
    frag.appendChild(actions);

    if (item.description_html) frag.appendChild(description(item.description_html));

    const parents = item.parents.map((p) => model.genres.get(p)).filter(Boolean);
    if (parents.length) {
      frag.appendChild(
        linkSection(parents.length > 1 ? "Parent genres" : "Parent genre", parents, {
          mark: (g) => parents.length > 1 && g.id === item.parent_id,
          markText: "primary",
        }),
      );
    }
    if (item.children.length) frag.appendChild(linkSection("Subgenres", item.children));
    if (item.bands.length) {
      frag.appendChild(
        linkSection("Bands", item.bands, {
          mark: (b) => b.primary_genre_id !== item.id,
          markText: "also",
        }),
      );
    }
    if (!parents.length && !item.children.length && !item.bands.length) {
      frag.appendChild(el("p", "details-empty", "No parent genre, subgenre or band is recorded for this genre."));
    }
  } else {
    const meta = el("p", "details-meta");
    meta.appendChild(el("span", "type-badge type-band", "Band"));
    frag.appendChild(meta);
    const actions = el("p", "details-actions");
    const page = el("a", "details-permalink", "Band page");
    page.href = bandHref(item.id);
    actions.appendChild(page);
    frag.appendChild(actions);
    if (item.description_html) frag.appendChild(description(item.description_html));
    const gs = item.genres.map((x) => model.genres.get(x)).filter(Boolean);
    if (gs.length) {
      frag.appendChild(
        linkSection(gs.length > 1 ? "Genres" : "Genre", gs, {
          mark: (g) => gs.length > 1 && g.id === item.primary_genre_id,
          markText: "primary",
        }),
      );
    }
  }
  root.replaceChildren(frag);
  return h;
}
