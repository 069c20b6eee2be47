// Placing a chapter's sanitized HTML: links and images pointed somewhere that exists, live
// <Tabs> (the learner's language first), copy buttons on code, the table of contents, and
// "Changed for you" marks with the original of each changed section.
import { hashFor, session } from "./api.js";
import { decode, h, ui } from "./dom.js";
import { book } from "./nav.js";

const CONTENT_ORIGIN = "http://content.invalid";

// A link relative to the chapter's file, as a path in the content folder; null otherwise.
function resolve(reference, chapterPath) {
  if (!reference || reference.startsWith("/") || /^[a-z][a-z0-9+.-]*:/i.test(reference)) return null;
  const url = new URL(reference, `${CONTENT_ORIGIN}/${chapterPath}`);
  if (url.origin !== CONTENT_ORIGIN) return null;
  return { path: decode(url.pathname.slice(1)), anchor: url.hash ? decode(url.hash.slice(1)) : null };
}

function chapterForPath(path) {
  for (const p of [path, `${path}.md`, `${path}.mdx`, `${path}/index.md`, `${path}/index.mdx`]) {
    if (book.byPath.has(p)) return book.byPath.get(p);
  }
  // A relative link written as a URL path (`../setup` in Docusaurus resolves against docs).
  const bare = path.replace(/\.mdx?$/, "").replace(/\/$/, "");
  return book.bySlug.get(bare) || null;
}

// `/docs/ros2/urdf#x`, `/docs/ros2/urdf/`: the book's own URLs, to chapters in the reader.
function docsLink(href) {
  const match = /^\/docs\/?([^#?]*)(?:\?[^#]*)?(?:#(.*))?$/.exec(href);
  if (!match) return null;
  const path = decode(match[1]).replace(/\/+$/, "").replace(/\.mdx?$/, "");
  const id = path ? book.bySlug.get(path) || book.bySlug.get(`${path}/index`) : book.order[0];
  return id ? hashFor(id, match[2] ? decode(match[2]) : null) : null;
}

function pointLinks(root, chapter) {
  for (const img of root.querySelectorAll("img[src]")) {
    const target = resolve(img.getAttribute("src"), chapter.path);
    if (target) img.src = `/reader/assets/${target.path.split("/").map(encodeURIComponent).join("/")}`;
    if (!img.hasAttribute("alt")) img.alt = "";
    img.loading = "lazy";
  }
  for (const a of root.querySelectorAll("a[href]")) {
    const href = a.getAttribute("href");
    if (href.startsWith("#")) { a.href = hashFor(chapter.id, decode(href.slice(1))); continue; }
    const fromDocs = href.startsWith("/") ? docsLink(href) : null;
    if (fromDocs) { a.href = fromDocs; continue; }
    const target = resolve(href, chapter.path);
    const id = target && chapterForPath(target.path);
    if (id) a.href = hashFor(id, target.anchor);
    else if (/^https?:/.test(href)) a.target = "_blank";
  }
}

// Tab labels the learner's languages pick first ("python" picks "Python", "c++" picks "C++").
function preferredTab(labels) {
  const languages = (session.profile && session.profile.languages) || [];
  for (const language of languages) {
    const i = labels.findIndex((l) => l.toLowerCase() === language || l.toLowerCase().split(/[\s/(]/)[0] === language);
    if (i >= 0) return i;
  }
  return 0;
}

let tabCount = 0;
function liveTabs(root) {
  for (const tabs of root.querySelectorAll(".mdx-tabs")) {
    const items = [...tabs.children].filter((c) => c.classList.contains("mdx-tabitem"));
    if (!items.length) continue;
    const labels = items.map((item, i) => item.querySelector(":scope > .tab-label")?.textContent || `Tab ${i + 1}`);
    const list = h("div", { role: "tablist", class: "tabs-list", "aria-label": "Versions" });
    const buttons = items.map((item, i) => {
      const id = `tab-${++tabCount}`;
      item.id = `${id}-panel`;
      item.setAttribute("role", "tabpanel");
      item.setAttribute("aria-labelledby", id);
      item.tabIndex = 0;
      return h("button", { type: "button", role: "tab", id, "aria-controls": item.id, text: labels[i] });
    });
    function select(n, focus) {
      buttons.forEach((b, i) => {
        b.setAttribute("aria-selected", String(i === n));
        b.tabIndex = i === n ? 0 : -1;
        items[i].hidden = i !== n;
      });
      if (focus) buttons[n].focus();
    }
    buttons.forEach((b, i) => b.addEventListener("click", () => select(i, false)));
    list.addEventListener("keydown", (e) => {
      const at = buttons.indexOf(document.activeElement);
      if (e.key === "ArrowRight" || e.key === "ArrowLeft") {
        e.preventDefault();
        select((at + (e.key === "ArrowRight" ? 1 : buttons.length - 1)) % buttons.length, true);
      }
    });
    list.append(...buttons);
    tabs.prepend(list);
    tabs.classList.add("live");
    select(preferredTab(labels), false);
  }
}

function copyButtons(root) {
  // Scrolling boxes must be reachable from the keyboard (and say what they are).
  for (const box of root.querySelectorAll("pre, table, .math")) box.tabIndex = 0;
  for (const block of root.querySelectorAll(".code-block")) {
    const code = block.querySelector("pre code");
    if (!code) continue;
    const title = block.querySelector(".code-title")?.textContent;
    const button = h("button", { type: "button", class: "copy", "aria-label": title ? `Copy ${title}` : "Copy code", text: "Copy" });
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(code.textContent);
        button.textContent = "Copied";
      } catch {
        button.textContent = "Select and copy";
      }
      setTimeout(() => { button.textContent = "Copy"; }, 2000);
    });
    block.querySelector("pre").before(button);
  }
}

export function tableOfContents(chapter) {
  const headings = [...ui.content.querySelectorAll("h2[id], h3[id]")];
  ui["toc-list"].replaceChildren(...headings.map((hd) => h("li", { class: hd.tagName === "H3" ? "l3" : "l2" },
    h("a", { href: hashFor(chapter.id, hd.id), text: hd.textContent.replace(/Changed for you$/, "").trim() }))));
  ui.toc.hidden = headings.length < 2;
}

// `language`: {lang, dir} of a translation; omitted for the original.
export function place(html, chapter, language) {
  const template = document.createElement("template");
  template.innerHTML = html;
  pointLinks(template.content, chapter);
  liveTabs(template.content);
  copyButtons(template.content);
  ui.content.replaceChildren(template.content);
  if (language) {
    ui.content.lang = language.lang;
    ui.content.dir = language.dir;
  } else {
    ui.content.removeAttribute("lang");
    ui.content.removeAttribute("dir");
  }
  tableOfContents(chapter);
}

// ---- the original of changed sections ----------------------------------------------------

// Top-level nodes cut at h2/h3 headings: [{id, nodes}], the first one (id "") before any.
function sections(root) {
  const out = [{ id: "", nodes: [] }];
  for (const node of [...root.childNodes]) {
    if (node.nodeType === 1 && /^H[23]$/.test(node.tagName) && node.id) out.push({ id: node.id, nodes: [node] });
    else out[out.length - 1].nodes.push(node);
  }
  return out;
}

function text(nodes) {
  return nodes.map((n) => n.textContent).join("").replace(/\s+/g, " ").replace(/\bCopy\b/g, "").trim();
}

// Marks each section of the page that differs from `originalHtml` and puts the original
// under it, folded. Returns how many sections changed.
export function markChanges(originalHtml, chapter) {
  const template = document.createElement("template");
  template.innerHTML = originalHtml;
  pointLinks(template.content, chapter);
  copyButtons(template.content);
  const before = new Map(sections(template.content).map((s) => [s.id, s]));
  let changed = 0;
  for (const section of sections(ui.content)) {
    const original = before.get(section.id);
    if (!original || text(original.nodes.slice(section.id ? 1 : 0)) === text(section.nodes.slice(section.id ? 1 : 0))) continue;
    changed += 1;
    const heading = section.id ? section.nodes[0] : null;
    if (heading) heading.append(h("span", { class: "changed-mark", text: "Changed for you" }));
    const body = original.nodes.slice(section.id ? 1 : 0);
    const details = h("details", { class: "original" }, h("summary", { text: "Show the original of this section" }), ...body);
    const last = section.nodes[section.nodes.length - 1];
    (last || ui.content.firstChild)?.after(details);
    if (!last) ui.content.prepend(details);
  }
  return changed;
}
