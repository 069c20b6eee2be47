// Small DOM helpers shared by every module, and the page's fixed elements.
// `ui` is taken once, before any chapter is on the page: a chapter heading whose id is
// "content" or "toggle" can then never stand in for the reader's own elements.

export const ui = Object.fromEntries(
  [
    "menu", "sidebar", "scrim", "nav-tree", "progress", "q", "search", "search-results",
    "signed-out-links", "signed-in-links", "admin-link", "logout", "main", "chapter-view",
    "screen", "toggle", "toggle-label", "lang", "lang-code", "lang-go", "status", "hint",
    "translation-note", "warning", "error", "applied", "applied-summary", "applied-list",
    "content", "toc", "toc-list", "complete", "pager", "upnext", "upnext-list", "tutor",
    "tutor-log", "tutor-form", "tutor-input",
  ].map((id) => [id, document.getElementById(id)]),
);

// h("p", {class: "note"}, "text", child): an element; attributes starting with "on" are
// listeners, `true` sets a bare attribute, null/false/undefined leave it out.
export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) element.addEventListener(key.slice(2), value);
    else if (key === "text") element.textContent = value;
    else element.setAttribute(key, value === true ? "" : String(value));
  }
  element.append(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
  return element;
}

export function showMessage(element, text) {
  element.textContent = text || "";
  element.hidden = !text;
}

export function sentence(text) {
  return text ? `${text[0].toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}` : "";
}

export function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// Local storage that never throws (disabled storage: the value lasts as long as the page).
export const store = {
  get(key) {
    try { return localStorage.getItem(key); } catch { return null; }
  },
  set(key, value) {
    try {
      if (value === null || value === undefined) localStorage.removeItem(key);
      else localStorage.setItem(key, value);
    } catch { /* as above */ }
  },
};
