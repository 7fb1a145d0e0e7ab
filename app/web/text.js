// Text helpers shared by search and the panel.

const EXTRA = { ø: "o", æ: "ae", œ: "oe", ß: "ss", ı: "i", ł: "l", đ: "d", ð: "d", þ: "th", ħ: "h" };
const EXTRA_RE = /[øæœßıłđðþħ]/g;

/** Lower-case, accent-free form used for matching ("Motörhead" -> "motorhead"). */
export function fold(s) {
  return String(s)
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(EXTRA_RE, (c) => EXTRA[c])
    .replace(/\s+/g, " ")
    .trim();
}

const nf = typeof Intl !== "undefined" ? new Intl.NumberFormat("en") : null;
export const formatCount = (n) => (nf ? nf.format(n) : String(n));

/** Creates an element with a class and text content (never HTML). */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined && text !== null) e.textContent = String(text);
  return e;
}
