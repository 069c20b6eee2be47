// The book's navigation as Docusaurus shows it: categories with labels that fold, the docs in
// sidebar order (GET /api/navigation, from the book's sidebars file) or, without one, the
// chapter list grouped by folder. Also the drawer on narrow screens, previous/next, progress
// and the search box.
import { api, hashFor, optional, session } from "./api.js";
import { h, store, ui } from "./dom.js";

export const book = {
  chapters: new Map(), // id -> summary (GET /api/chapters)
  byPath: new Map(), // file path in the content folder -> id
  bySlug: new Map(), // Docusaurus URL path under /docs/ -> id
  order: [], // ids in reading (sidebar) order
  completed: new Set(),
};

const FOLD_KEY = "tailored-folded";

// The chapter list as a tree when the book has no sidebars file: one category per folder,
// labelled by its index chapter's title when it has one.
function folderTree(chapters) {
  const root = { items: [] };
  const folders = new Map([["", root]]);
  function folder(path) {
    if (folders.has(path)) return folders.get(path);
    const parent = folder(path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "");
    const node = { type: "category", label: path.split("/").pop().replace(/^\d+[-_.]\s*/, "").replace(/[-_]/g, " "), items: [], collapsed: false, link: null };
    parent.items.push(node);
    folders.set(path, node);
    return node;
  }
  for (const c of chapters) {
    const dir = c.id.includes("/") ? c.id.slice(0, c.id.lastIndexOf("/")) : "";
    const node = folder(dir);
    if (dir && /(^|\/)(index|readme)$/i.test(c.id) && !node.link) {
      node.link = c.id;
      node.label = c.title;
    } else {
      node.items.push({ type: "doc", id: c.id, label: c.title });
    }
  }
  return root.items;
}

function flatten(items, out) {
  for (const item of items) {
    if (item.type === "doc") out.push(item.id);
    else if (item.type === "category") {
      if (item.link) out.push(item.link);
      flatten(item.items || [], out);
    }
  }
  return out;
}

function folded() {
  try { return new Set(JSON.parse(store.get(FOLD_KEY) || "[]")); } catch { return new Set(); }
}

function renderItems(items, path, closed) {
  return items.map((item, i) => {
    if (item.type === "doc") {
      if (!book.chapters.has(item.id)) return null;
      return h("li", {}, h("a", { href: hashFor(item.id, null), "data-id": item.id, text: item.label || book.chapters.get(item.id).title }));
    }
    if (item.type === "link") {
      return h("li", {}, h("a", { href: item.href, rel: "noopener noreferrer", text: item.label }));
    }
    const key = `${path}/${i}:${item.label}`;
    const open = closed.has(key) ? false : item.collapsed !== true || closed.has(`open:${key}`);
    const list = h("ul", { hidden: !open }, ...(item.link && book.chapters.has(item.link)
      ? [h("li", {}, h("a", { href: hashFor(item.link, null), "data-id": item.link, text: `${item.label}: overview` }))]
      : []), ...renderItems(item.items || [], key, closed));
    const button = h("button", { type: "button", class: "cat", "aria-expanded": String(open), text: item.label });
    if (item.collapsible === false) button.disabled = true;
    button.addEventListener("click", () => {
      const nowOpen = list.hidden;
      list.hidden = !nowOpen;
      button.setAttribute("aria-expanded", String(nowOpen));
      const set = folded();
      set.delete(key); set.delete(`open:${key}`);
      if (!nowOpen) set.add(key); else if (item.collapsed) set.add(`open:${key}`);
      store.set(FOLD_KEY, JSON.stringify([...set]));
    });
    return h("li", {}, button, list);
  }).filter(Boolean);
}

export async function loadBook() {
  const chapters = await api("/api/chapters");
  for (const c of chapters) {
    book.chapters.set(c.id, c);
    book.byPath.set(c.path, c.id);
    book.bySlug.set(c.id, c.id);
    book.bySlug.set(c.id.replace(/\/index$/, ""), c.id);
    if (c.slug) book.bySlug.set(c.slug.replace(/^\/+|\/+$/g, ""), c.id);
  }
  const nav = await optional("/api/navigation").catch(() => null);
  const items = nav && Array.isArray(nav.items) && nav.items.length ? nav.items : folderTree(chapters);
  const order = flatten(items, []).filter((id) => book.chapters.has(id));
  // Docs the sidebar leaves out still get read: after the sidebar's, in list order.
  const seen = new Set(order);
  book.order = [...order, ...chapters.map((c) => c.id).filter((id) => !seen.has(id))];
  ui["nav-tree"].replaceChildren(...renderItems(items, "", folded()));
  return chapters;
}

export function markCurrent(id) {
  for (const a of ui["nav-tree"].querySelectorAll("a[data-id]")) {
    if (a.dataset.id === id) {
      a.setAttribute("aria-current", "page");
      // Open the categories around it.
      for (let list = a.closest("ul"); list && list !== ui["nav-tree"]; list = list.parentElement.closest("ul")) {
        list.hidden = false;
        list.previousElementSibling?.setAttribute("aria-expanded", "true");
      }
    } else a.removeAttribute("aria-current");
    a.classList.toggle("done", book.completed.has(a.dataset.id));
  }
}

export function pager(id) {
  const i = book.order.indexOf(id);
  const link = (other, cls, words) => other && h("a", { href: hashFor(other, null), class: cls, rel: cls },
    h("small", { text: words }), book.chapters.get(other).title);
  ui.pager.replaceChildren(...[link(book.order[i - 1], "prev", "Previous"), link(book.order[i + 1], "next", "Next")].filter(Boolean));
}

// ---- progress: localStorage per account, and the signals API when the server has it --------

function progressKey() {
  return session.me ? `tailored-progress:${session.me.id}` : null;
}

export async function loadProgress() {
  book.completed = new Set();
  const key = progressKey();
  if (!key) return showProgress();
  try { JSON.parse(store.get(key) || "[]").forEach((id) => book.completed.add(id)); } catch { /* fresh */ }
  const remote = await optional("/api/me/progress").catch(() => null);
  if (remote && Array.isArray(remote.completed)) {
    remote.completed.forEach((c) => book.completed.add(typeof c === "string" ? c : c.content_id));
  }
  showProgress();
}

export function showProgress() {
  const total = book.order.length;
  const done = [...book.completed].filter((id) => book.chapters.has(id)).length;
  ui.progress.textContent = session.me && total ? `${done} of ${total} chapters complete` : "";
}

function event(type, id) {
  const now = new Date().toISOString();
  return { id: crypto.randomUUID(), type, content_id: id, content_type: "chapter", occurred_at: now,
    session_id: sessionStorage.getItem("tailored-session") || newSession(), metadata: {} };
}
function newSession() {
  const id = crypto.randomUUID();
  sessionStorage.setItem("tailored-session", id);
  return id;
}

// Fire and forget: progress must never get in the way of reading.
export function sendEvent(type, id) {
  if (!session.token) return;
  optional("/api/events", { method: "POST", body: { events: [event(type, id)] } }).catch(() => {});
}

export function setCompleted(id, done) {
  if (done) book.completed.add(id); else book.completed.delete(id);
  const key = progressKey();
  if (key) store.set(key, JSON.stringify([...book.completed]));
  if (done) sendEvent("complete", id);
  markCurrent(id);
  showProgress();
}

export function lastViewed(id) {
  const key = progressKey();
  if (!key) return null;
  if (id) store.set(`${key}:last`, id);
  return store.get(`${key}:last`);
}

// ---- the drawer (narrow screens) -------------------------------------------------------

export function closeDrawer() {
  ui.sidebar.classList.remove("open");
  ui.scrim.hidden = true;
  ui.menu.setAttribute("aria-expanded", "false");
}
ui.menu.addEventListener("click", () => {
  const open = !ui.sidebar.classList.contains("open");
  ui.sidebar.classList.toggle("open", open);
  ui.scrim.hidden = !open;
  ui.menu.setAttribute("aria-expanded", String(open));
  if (open) ui.sidebar.querySelector("a, button")?.focus();
});
ui.scrim.addEventListener("click", closeDrawer);
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && ui.sidebar.classList.contains("open")) { closeDrawer(); ui.menu.focus(); }
});
ui.sidebar.addEventListener("click", (e) => { if (e.target.closest("a")) closeDrawer(); });
