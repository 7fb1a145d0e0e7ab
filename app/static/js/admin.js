/* admin.js: helpers for the admin pages (a plain script, no bundler; every page works without
 * it): the slug follows the name until edited by hand, a filter box over each multiple select,
 * choosing a primary parent/genre also selects it in the list, sortable and filterable admin
 * tables, and a confirm() before a delete form is sent. */
(function () {
  "use strict";

  /* ---- slugs: the rule of slug_from_name (app/src/util/slug.c) ---- */

  var SLUG_MAX = 64;
  var FOLDS = {
    "æ": "ae", "ð": "d", "đ": "d", "ø": "o", "þ": "th", "ß": "ss", "ı": "i", "ĳ": "ij",
    "ĸ": "k", "ł": "l", "ŀ": "l", "ŋ": "n", "œ": "oe", "ſ": "s", "ŧ": "t", "ħ": "h",
    "ƀ": "b", "ɖ": "d", "ƒ": "f", "ƶ": "z", "ǝ": "e", "ẞ": "ss"
  };

  function slugify(name) {
    var s = String(name).normalize("NFD").replace(/[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]/g, "");
    var out = "";
    var sep = false;
    function word(w) {
      if (sep && out.length > 0) out += "-";
      sep = false;
      out += w;
    }
    for (var i = 0; i < s.length; i++) {
      var c = s.charAt(i);
      var lower = c.toLowerCase();
      if (/[a-z0-9]/.test(c)) {
        word(c);
      } else if (/[A-Z]/.test(c)) {
        word(lower);
      } else if (c === "&" || c === "+") {
        sep = true;
        word(c === "&" ? "and" : "plus");
        sep = true;
      } else if (Object.prototype.hasOwnProperty.call(FOLDS, lower)) {
        word(FOLDS[lower]);
      } else {
        sep = true;
      }
    }
    if (out.length > SLUG_MAX) {
      var cut = SLUG_MAX;
      if (out.charAt(SLUG_MAX) !== "-") {
        while (cut > 0 && out.charAt(cut) !== "-") cut--;
        if (cut === 0) cut = SLUG_MAX;
      }
      out = out.slice(0, cut).replace(/-+$/, "");
    }
    return out;
  }

  function autoSlug(form) {
    var name = form.querySelector('input[name="name"]');
    var slug = form.querySelector('input[name="id"]:not([readonly])');
    if (!name || !slug) return;
    /* follows the name while empty or equal to the name's slug (a refilled form) */
    var auto = slug.value === "" || slug.value === slugify(name.value);
    name.addEventListener("input", function () {
      if (auto) slug.value = slugify(name.value);
    });
    slug.addEventListener("input", function () {
      auto = slug.value === "";
    });
  }

  /* ---- selects ---- */

  function filterBox(select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.placeholder = "Filter the list…";
    box.setAttribute("aria-label", "Filter the list of genres");
    box.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(box, select);
    var texts = [];
    for (var i = 0; i < select.options.length; i++) {
      texts.push((select.options[i].text + " " + select.options[i].value).toLowerCase());
    }
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase();
      for (var j = 0; j < select.options.length; j++) {
        var o = select.options[j];
        /* a chosen option stays visible, so the filter never hides a choice */
        o.hidden = q !== "" && texts[j].indexOf(q) < 0 && !o.selected;
      }
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter") e.preventDefault(); /* not a submit */
    });
  }

  function selectedList(select) {
    var list = document.createElement("p");
    list.className = "hint select-chosen";
    list.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(list, select.nextSibling);
    function update() {
      var names = [];
      for (var i = 0; i < select.options.length; i++) {
        if (select.options[i].selected) names.push(select.options[i].text);
      }
      list.textContent = names.length ? "Chosen: " + names.join(", ") : "None chosen.";
    }
    select.addEventListener("change", update);
    update();
    return update;
  }

  function alsoSelect(primary, updaters) {
    var target = document.getElementById(primary.getAttribute("data-also-select"));
    if (!target) return;
    primary.addEventListener("change", function () {
      for (var i = 0; i < target.options.length; i++) {
        if (primary.value !== "" && target.options[i].value === primary.value) {
          target.options[i].selected = true;
          target.options[i].hidden = false;
        }
      }
      var update = updaters.get(target);
      if (update) update();
    });
  }

  /* ---- tables ---- */

  function cellKey(row, col, numeric) {
    var cell = row.cells[col];
    var text = cell ? cell.textContent.trim() : "";
    return numeric ? parseFloat(text) || 0 : text.toLowerCase();
  }

  function sortable(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var heads = table.tHead ? table.tHead.rows[0].cells : [];
    Array.prototype.forEach.call(heads, function (th, col) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(heads, function (h) {
          h.removeAttribute("aria-sort");
        });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var numeric = kind === "num";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellKey(a, col, numeric);
          var y = cellKey(b, col, numeric);
          var c = numeric ? x - y : x.localeCompare(y);
          if (c === 0) c = cellKey(a, 0, false).localeCompare(cellKey(b, 0, false));
          return asc ? c : -c;
        });
        var frag = document.createDocumentFragment();
        rows.forEach(function (r) {
          frag.appendChild(r);
        });
        body.appendChild(frag);
      });
    });
  }

  function filterable(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var wrap = document.createElement("div");
    wrap.className = "table-filter";
    var box = document.createElement("input");
    box.type = "search";
    box.placeholder = (table.getAttribute("data-filter-label") || "Filter") + "…";
    box.setAttribute("aria-label", table.getAttribute("data-filter-label") || "Filter the table");
    var count = document.createElement("span");
    count.className = "muted";
    count.setAttribute("aria-live", "polite");
    wrap.appendChild(box);
    wrap.appendChild(count);
    var form = table.closest("form") || table;
    form.parentNode.insertBefore(wrap, form);
    var texts = new Map(); /* row → its text (rows only move when sorted) */
    box.addEventListener("input", function () {
      var rows = body.rows;
      var q = box.value.trim().toLowerCase();
      var shown = 0;
      for (var i = 0; i < rows.length; i++) {
        var r = rows[i];
        var t = texts.get(r);
        if (t === undefined) {
          t = r.textContent.toLowerCase();
          texts.set(r, t);
        }
        r.hidden = q !== "" && t.indexOf(q) < 0;
        if (!r.hidden) shown++;
      }
      count.textContent = q === "" ? "" : shown + " of " + rows.length + " shown";
    });
    box.addEventListener("keydown", function (e) {
      if (e.key === "Enter") e.preventDefault();
    });
  }

  /* ---- confirmations: the form's empty "confirm" field becomes 1 once confirmed; without
   * this script the server asks on a page of its own ---- */

  function confirmations() {
    document.addEventListener("submit", function (e) {
      var form = e.target;
      var button = e.submitter || null;
      var text = (button && button.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
      if (!text) return;
      if (!window.confirm(text)) {
        e.preventDefault();
        return;
      }
      var field = form.querySelector('input[name="confirm"]');
      if (field) field.value = "1";
    });
  }

  function init() {
    var updaters = new Map();
    document.querySelectorAll(".admin-form form").forEach(function (form) {
      autoSlug(form);
      form.querySelectorAll("select[multiple]").forEach(function (select) {
        filterBox(select);
        updaters.set(select, selectedList(select));
      });
      form.querySelectorAll("select[data-also-select]").forEach(function (select) {
        alsoSelect(select, updaters);
      });
    });
    document.querySelectorAll("table[data-sortable]").forEach(function (table) {
      sortable(table);
      filterable(table);
    });
    confirmations();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
