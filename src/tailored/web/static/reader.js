// The reader: plain DOM, no build step. Chapter HTML comes from the server already sanitized;
// this script places it, points its relative links and images somewhere that exists, and
// talks to the JSON API. The URL hash is the address: `#ros2/urdf` or `#ros2/urdf:inertia`
// (chapter id, then an optional heading anchor; chapter ids never contain ':').
"use strict";

const TOKEN_KEY = "tailored-token";

// Taken once, before any chapter is on the page: a chapter heading whose id is "content" or
// "toggle" can then never stand in for the reader's own elements.
const ui = Object.fromEntries(
  [
    "chapters", "login", "email", "password", "login-button", "signed-in", "who", "logout",
    "login-error", "toggle", "toggle-label", "status", "warning", "error", "applied",
    "applied-summary", "applied-list", "content",
  ].map((id) => [id, document.getElementById(id)]),
);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  chapters: new Map(), // id -> summary from GET /api/chapters
  byPath: new Map(), // file path in the content folder -> chapter id
  chapter: null, // id of the chapter on the page
  seq: 0, // bumped by every navigation or toggle; answers for an older one are dropped
};

class ApiError extends Error {
  constructor(status, name, detail) {
    super(detail ? `${detail}` : name);
    this.status = status;
    this.name = name;
  }
}

function describe(detail) {
  if (detail === null || detail === undefined) return "";
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail.map((d) => (d.loc ? `${d.loc.slice(1).join(".")}: ${d.msg}` : JSON.stringify(d))).join("; ");
  }
  return JSON.stringify(detail);
}

async function api(path, { method = "GET", body } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  let response;
  try {
    response = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "NetworkError", "the server cannot be reached");
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // Not JSON (a proxy's error page, say): the status line is all there is to show.
  }
  if (!response.ok) {
    const name = (payload && payload.error) || `HTTP ${response.status}`;
    const detail = describe(payload ? payload.detail : response.statusText);
    if (response.status === 401 && state.token && path !== "/api/auth/login") {
      signedOut("Your session has ended; sign in again.");
    }
    throw new ApiError(response.status, name, detail);
  }
  return payload;
}

// Ids come from the chapter list, never straight from the hash, and each segment is encoded:
// a crafted link cannot steer the reader's authenticated requests to another endpoint.
function chapterUrl(id, action) {
  return `/api/chapters/${id.split("/").map(encodeURIComponent).join("/")}/${action}`;
}

function hashFor(id, anchor) {
  return `#${id}${anchor ? `:${encodeURIComponent(anchor)}` : ""}`;
}

function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function parseHash() {
  const raw = decode(location.hash.slice(1));
  const colon = raw.indexOf(":");
  if (colon < 0) return { id: raw, anchor: null };
  return { id: raw.slice(0, colon), anchor: raw.slice(colon + 1) || null };
}

// ---- messages ---------------------------------------------------------------------------

function showMessage(element, text) {
  element.textContent = text || "";
  element.hidden = !text;
}

function clearMessages() {
  showMessage(ui.warning, "");
  showMessage(ui.error, "");
  ui.applied.hidden = true;
  ui["applied-list"].replaceChildren();
  ui.status.textContent = "";
}

function showApplied(transformations) {
  const items = transformations.map((t) => {
    const li = document.createElement("li");
    const name = document.createElement("strong");
    name.textContent = t.name;
    li.append(name, `: ${t.detail}`);
    return li;
  });
  ui["applied-list"].replaceChildren(...items);
  ui["applied-summary"].textContent = items.length === 1
    ? "1 change made for your profile"
    : `${items.length} changes made for your profile`;
  ui.applied.hidden = items.length === 0;
}

// ---- placing a chapter ------------------------------------------------------------------

const CONTENT_ORIGIN = "http://content.invalid";

// A link or image source relative to the chapter's file, as a path in the content folder;
// null for anything that points elsewhere (other sites, mailto:, absolute paths).
function resolve(reference, chapterPath) {
  if (!reference || reference.startsWith("/") || /^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    return null;
  }
  const url = new URL(reference, `${CONTENT_ORIGIN}/${chapterPath}`);
  if (url.origin !== CONTENT_ORIGIN) return null;
  return { path: decode(url.pathname.slice(1)), anchor: url.hash ? decode(url.hash.slice(1)) : null };
}

function chapterForPath(path) {
  for (const candidate of [path, `${path}.md`, `${path}.mdx`, `${path}/index.md`, `${path}/index.mdx`]) {
    const id = state.byPath.get(candidate);
    if (id) return id;
  }
  return null;
}

function place(html, chapter) {
  // A template's content is inert: nothing loads while the links and images are adjusted.
  const template = document.createElement("template");
  template.innerHTML = html;
  for (const img of template.content.querySelectorAll("img[src]")) {
    const target = resolve(img.getAttribute("src"), chapter.path);
    if (target) img.src = `/reader/assets/${target.path.split("/").map(encodeURIComponent).join("/")}`;
  }
  for (const a of template.content.querySelectorAll("a[href]")) {
    const href = a.getAttribute("href");
    if (href.startsWith("#")) {
      a.href = hashFor(chapter.id, decode(href.slice(1)));
      continue;
    }
    const target = resolve(href, chapter.path);
    const id = target && chapterForPath(target.path);
    if (id) a.href = hashFor(id, target.anchor);
  }
  ui.content.replaceChildren(template.content);
}

function scrollToAnchor(anchor) {
  const target = anchor && [...ui.content.querySelectorAll("[id]")].find((e) => e.id === anchor);
  if (target) target.scrollIntoView();
  else window.scrollTo(0, 0);
  return Boolean(target);
}

function markCurrent(id) {
  for (const a of ui.chapters.querySelectorAll("a")) {
    if (a.dataset.id === id) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  const chapter = state.chapters.get(id);
  document.title = chapter ? `${chapter.title} · Tailored reader` : "Tailored reader";
}

// Show the chapter personalized or original. `anchor`: a heading to scroll to, null for the
// top, undefined to stay where the reader is (toggling).
async function render(seq, personalized, anchor) {
  const chapter = state.chapters.get(state.chapter);
  ui.toggle.disabled = true;
  ui.content.setAttribute("aria-busy", "true");
  try {
    if (personalized) {
      try {
        const out = await api(chapterUrl(chapter.id, "personalize?html=true"), { method: "POST" });
        if (seq !== state.seq) return;
        place(out.html, chapter);
        ui.toggle.checked = true;
        showApplied(out.applied_transformations);
        if (out.warning) {
          showMessage(ui.warning, `Showing the original: ${out.warning}.`);
        } else if (out.applied_transformations.length === 0) {
          showMessage(ui.warning, "Nothing in this chapter needed changing for your profile.");
        }
        ui.status.textContent = `${out.adapter}${out.cached ? " · cached" : ""}`;
        if (anchor !== undefined) scrollToAnchor(anchor);
        return;
      } catch (error) {
        if (seq !== state.seq) return;
        // Profile incomplete, adapter down, token expired (signedOut() said so already):
        // the original is still worth reading.
        if (state.token) showMessage(ui.warning, `Showing the original: ${error.message}`);
      }
    }
    const out = await api(chapterUrl(chapter.id, "html"));
    if (seq !== state.seq) return;
    place(out.html, chapter);
    ui.toggle.checked = false;
    if (anchor !== undefined) scrollToAnchor(anchor);
  } catch (error) {
    if (seq !== state.seq) return;
    showMessage(ui.error, `Could not load “${chapter.title}”: ${error.message}`);
  } finally {
    if (seq === state.seq) {
      ui.toggle.disabled = !state.token;
      ui.content.removeAttribute("aria-busy");
    }
  }
}

async function show(id, anchor) {
  const seq = ++state.seq;
  state.chapter = id;
  markCurrent(id);
  clearMessages();
  let personalized = false;
  if (state.token) {
    try {
      personalized = (await api(chapterUrl(id, "session"))).active;
    } catch (error) {
      if (seq !== state.seq) return;
      showMessage(ui.error, error.message);
    }
  }
  if (seq !== state.seq) return;
  ui.toggle.checked = personalized;
  await render(seq, personalized, anchor);
}

async function route() {
  let { id, anchor } = parseHash();
  if (!id) {
    const first = state.chapters.keys().next();
    if (first.done) return;
    id = first.value;
    history.replaceState(null, "", hashFor(id, null));
  }
  if (!state.chapters.has(id)) {
    // An anchor in the chapter on the page (an old-style `#heading` link), or a bad address.
    if (state.chapter && scrollToAnchor(id)) {
      history.replaceState(null, "", hashFor(state.chapter, id));
      return;
    }
    clearMessages();
    showMessage(ui.error, `There is no chapter “${id}”.`);
    return;
  }
  if (id === state.chapter && ui.content.getAttribute("aria-busy") !== "true") {
    scrollToAnchor(anchor);
    return;
  }
  await show(id, anchor);
}

// ---- signing in -------------------------------------------------------------------------

function signedIn(email) {
  ui.who.textContent = email;
  ui["signed-in"].hidden = false;
  ui.login.hidden = true;
  showMessage(ui["login-error"], "");
  ui.toggle.disabled = false;
  ui["toggle-label"].title = "";
}

function signedOut(message) {
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  ui["signed-in"].hidden = true;
  ui.login.hidden = false;
  showMessage(ui["login-error"], message);
  ui.toggle.checked = false;
  ui.toggle.disabled = true;
  ui["toggle-label"].title = "Sign in to personalize";
}

async function whoami() {
  try {
    signedIn((await api("/api/me")).email);
  } catch (error) {
    if (error.status !== 401) showMessage(ui["login-error"], error.message);
  }
}

ui.login.addEventListener("submit", async (event) => {
  event.preventDefault();
  showMessage(ui["login-error"], "");
  ui["login-button"].disabled = true;
  try {
    const out = await api("/api/auth/login", {
      method: "POST",
      body: { email: ui.email.value, password: ui.password.value },
    });
    state.token = out.access_token;
    sessionStorage.setItem(TOKEN_KEY, state.token);
    ui.password.value = "";
    await whoami();
    if (state.chapter) await show(state.chapter, undefined);
  } catch (error) {
    showMessage(ui["login-error"], error.message);
  } finally {
    ui["login-button"].disabled = false;
  }
});

ui.logout.addEventListener("click", async () => {
  try {
    await api("/api/auth/logout", { method: "POST" });
  } catch {
    // The token is forgotten here either way.
  }
  signedOut("");
  if (state.chapter) await show(state.chapter, undefined);
});

ui.toggle.addEventListener("change", async () => {
  const active = ui.toggle.checked;
  const id = state.chapter;
  if (!id || !state.token) return;
  ui.toggle.disabled = true;
  try {
    await api(chapterUrl(id, "session"), { method: "PUT", body: { active } });
  } catch (error) {
    ui.toggle.checked = !active;
    ui.toggle.disabled = !state.token;
    showMessage(ui.error, `Could not save the reading mode: ${error.message}`);
    return;
  }
  const seq = ++state.seq;
  clearMessages();
  await render(seq, active, undefined);
});

// ---- start ------------------------------------------------------------------------------

async function start() {
  if (state.token) await whoami();
  let chapters;
  try {
    chapters = await api("/api/chapters");
  } catch (error) {
    ui.content.replaceChildren();
    showMessage(ui.error, `Could not list the chapters: ${error.message}`);
    return;
  }
  for (const chapter of chapters) {
    state.chapters.set(chapter.id, chapter);
    state.byPath.set(chapter.path, chapter.id);
  }
  ui.chapters.replaceChildren(...chapters.map((chapter) => {
    const li = document.createElement("li");
    const a = document.createElement("a");
    a.href = hashFor(chapter.id, null);
    a.textContent = chapter.title;
    a.dataset.id = chapter.id;
    li.append(a);
    return li;
  }));
  if (chapters.length === 0) {
    ui.content.textContent = "No chapters yet. Serve a content folder: tailored serve --content DOCS.";
    return;
  }
  window.addEventListener("hashchange", () => route());
  await route();
}

start();
