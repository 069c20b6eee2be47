// The search box: the tutor's search index (GET /api/search) when the server has one, else
// chapter titles and section headings (GET /api/reader/headings, fetched once).
import { api, hashFor, optional } from "./api.js";
import { h, ui } from "./dom.js";
import { book } from "./nav.js";

let headings = null; // null: not fetched; then a list
let useIndex = true; // false once /api/search answered 404
let timer = 0;

async function localResults(q) {
  if (headings === null) headings = await api("/api/reader/headings").catch(() => []);
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  const hit = (text) => words.every((w) => text.toLowerCase().includes(w));
  const out = [];
  for (const [id, c] of book.chapters) if (hit(c.title)) out.push({ chapter_id: id, anchor: null, heading: c.title });
  for (const s of headings) if (hit(s.heading)) out.push({ chapter_id: s.chapter_id, anchor: s.anchor, heading: s.heading });
  return out.slice(0, 10);
}

async function search(q) {
  if (useIndex) {
    const found = await optional(`/api/search?${new URLSearchParams({ q, limit: "8" })}`).catch(() => undefined);
    if (found === null) useIndex = false;
    else if (found && Array.isArray(found.results)) return found.results;
  }
  return localResults(q);
}

function show(results, q) {
  const list = ui["search-results"];
  if (!q) { list.hidden = true; return; }
  const items = results.filter((r) => book.chapters.has(r.chapter_id)).map((r) => {
    const chapter = book.chapters.get(r.chapter_id);
    const where = r.anchor ? chapter.title : "Chapter";
    return h("li", {}, h("a", { href: hashFor(r.chapter_id, r.anchor) }, r.heading || chapter.title,
      h("span", { class: "where", text: r.snippet ? `${where} · ${r.snippet.slice(0, 90)}` : where })));
  });
  list.replaceChildren(...(items.length ? items : [h("li", { class: "small", text: `Nothing found for “${q}”.` })]));
  list.hidden = false;
}

ui.q.addEventListener("input", () => {
  clearTimeout(timer);
  const q = ui.q.value.trim();
  timer = setTimeout(async () => show(q.length > 1 ? await search(q) : [], q.length > 1 ? q : ""), 200);
});
ui.search.addEventListener("submit", (e) => {
  e.preventDefault();
  ui["search-results"].querySelector("a")?.focus();
});
ui.q.addEventListener("keydown", (e) => {
  if (e.key === "ArrowDown") { e.preventDefault(); ui["search-results"].querySelector("a")?.focus(); }
  if (e.key === "Escape") ui["search-results"].hidden = true;
});
ui["search-results"].addEventListener("keydown", (e) => {
  const links = [...ui["search-results"].querySelectorAll("a")];
  const i = links.indexOf(document.activeElement);
  if (e.key === "ArrowDown") { e.preventDefault(); links[Math.min(i + 1, links.length - 1)]?.focus(); }
  if (e.key === "ArrowUp") { e.preventDefault(); (i <= 0 ? ui.q : links[i - 1]).focus(); }
  if (e.key === "Escape") { ui["search-results"].hidden = true; ui.q.focus(); }
});
ui["search-results"].addEventListener("click", (e) => {
  if (e.target.closest("a")) { ui["search-results"].hidden = true; ui.q.value = ""; }
});
document.addEventListener("click", (e) => {
  if (!ui.search.contains(e.target)) ui["search-results"].hidden = true;
});
