// The reader: plain DOM, no build step. Chapter HTML comes from the server already sanitized;
// this script places it, points its relative links and images somewhere that exists, and
// talks to the JSON API. The URL hash is the address: `#ros2/urdf` or `#ros2/urdf:inertia`
// (chapter id, then an optional heading anchor; chapter ids never contain ':').
// The language picker shows the chapter translated (POST .../translate?html=true); the chosen
// language is kept in localStorage, so the next chapter opens in it when it is available.
"use strict";

const TOKEN_KEY = "tailored-token";
const LANG_KEY = "tailored-lang";
// Offered for machine translators that take any language (an LLM); the code field takes others.
const COMMON_LANGUAGES = ["ar", "de", "es", "fr", "hi", "ja", "pt", "ru", "ur", "zh"];
const LANG_RE = /^[a-z]{2}$/;

// Taken once, before any chapter is on the page: a chapter heading whose id is "content" or
// "toggle" can then never stand in for the reader's own elements.
const ui = Object.fromEntries(
  [
    "chapters", "login", "email", "password", "login-button", "signed-in", "who", "logout",
    "login-error", "toggle", "toggle-label", "status", "warning", "error", "applied",
    "applied-summary", "applied-list", "content", "lang", "lang-code", "lang-go",
    "translation-note",
  ].map((id) => [id, document.getElementById(id)]),
);

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  chapters: new Map(), // id -> summary from GET /api/chapters
  byPath: new Map(), // file path in the content folder -> chapter id
  chapter: null, // id of the chapter on the page
  seq: 0, // bumped by every navigation or toggle; answers for an older one are dropped
  personalized: false, // the learner's reading mode for the chapter on the page
  lang: storedLanguage(), // the language chosen in this browser; null: the original
  listing: null, // GET .../translations for the chapter on the page (null: not known)
  shownLang: "", // the language of what is on the page ("": the original)
};

function storedLanguage() {
  try {
    const code = localStorage.getItem(LANG_KEY);
    return code && LANG_RE.test(code) ? code : null;
  } catch {
    return null; // storage disabled: the choice lasts as long as the page
  }
}

function rememberLanguage(code) {
  state.lang = code;
  try {
    if (code) localStorage.setItem(LANG_KEY, code);
    else localStorage.removeItem(LANG_KEY);
  } catch {
    // As above.
  }
}

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
  if (typeof detail.message === "string") return detail.message; // e.g. no translation
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
  showNote([]);
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

// `language`: {lang, dir} of a translation; omitted for the original.
function place(html, chapter, language) {
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
  if (language) {
    ui.content.lang = language.lang;
    ui.content.dir = language.dir;
  } else {
    ui.content.removeAttribute("lang");
    ui.content.removeAttribute("dir");
  }
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

// ---- languages -------------------------------------------------------------------------

// "Urdu" for "ur" (in `locale`'s words); the code itself where the browser has no name for it.
function languageName(code, locale = "en") {
  try {
    return new Intl.DisplayNames([locale], { type: "language" }).of(code) || code;
  } catch {
    return code;
  }
}

function languageLabel(code) {
  const english = languageName(code);
  const native = languageName(code, code);
  return native !== english && native !== code ? `${english} · ${native}` : english;
}

function sourceLanguage() {
  return state.listing ? state.listing.source_language : "en";
}

function option(value, label) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = label;
  return element;
}

function group(label, options) {
  const element = document.createElement("optgroup");
  element.label = label;
  element.append(...options);
  return element;
}

// Languages the machine translators can produce: a fixed list when one takes any language.
function machineLanguages(listing) {
  const lists = Object.values(listing.machine);
  if (lists.some((languages) => languages === null)) return COMMON_LANGUAGES;
  return [...new Set(lists.flat())].sort();
}

// The picker: the original, the chapter's human translations, then machine-translatable ones.
function fillPicker() {
  const listing = state.listing;
  const source = sourceLanguage();
  const items = [option("", `${languageName(source)} (original)`)];
  if (listing) {
    const human = listing.human.map((h) => h.lang);
    if (listing.human.length) {
      items.push(group("Translated by people", listing.human.map((h) => option(
        h.lang, `${languageLabel(h.lang)}${h.stale ? " (older than the chapter)" : ""}`,
      ))));
    }
    const machine = machineLanguages(listing).filter((code) => code !== source && !human.includes(code));
    if (machine.length) {
      items.push(group("Machine translation", machine.map((code) => option(code, languageLabel(code)))));
    }
  }
  ui.lang.replaceChildren(...items);
}

function selectLanguage(code) {
  if (code && ![...ui.lang.options].some((o) => o.value === code)) {
    ui.lang.append(option(code, languageLabel(code))); // typed into the code field
  }
  ui.lang.value = code;
}

// Whether the chapter's listing says `code` can be shown (true when there is no listing).
function available(code) {
  const listing = state.listing;
  if (!listing) return true;
  if (listing.human.some((h) => h.lang === code)) return true;
  return Object.values(listing.machine).some((languages) => languages === null || languages.includes(code));
}

function translateUrl(id, lang, personalized) {
  const query = new URLSearchParams({ lang, html: "true" });
  if (personalized) query.set("personalized", "true");
  return chapterUrl(id, `translate?${query}`);
}

// The chapter in `lang`. Personalized when asked (and signed in); if that fails for a reason
// of its own (profile incomplete, adapter down), the plain translation, and `unpersonalized`
// says why. No translation (404) or a bad code (422) is thrown as is.
async function fetchTranslation(chapter, lang, personalized) {
  const post = { method: "POST" };
  if (personalized && state.token) {
    try {
      return { out: await api(translateUrl(chapter.id, lang, true), post), unpersonalized: null };
    } catch (error) {
      if ([0, 404, 422].includes(error.status)) throw error;
      return { out: await api(translateUrl(chapter.id, lang, false), post), unpersonalized: error.message };
    }
  }
  return { out: await api(translateUrl(chapter.id, lang, false), post), unpersonalized: null };
}

function showNote(parts) {
  ui["translation-note"].replaceChildren(...parts);
  ui["translation-note"].hidden = parts.length === 0;
}

function sentence(text) {
  return text ? `${text[0].toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}` : "";
}

// Links to sections of the chapter on the page, named by their headings there.
function sectionLinks(chapter, anchors) {
  const out = [];
  anchors.forEach((anchor, i) => {
    if (i) out.push("; ");
    const heading = [...ui.content.querySelectorAll("[id]")].find((e) => e.id === anchor);
    if (!heading) {
      out.push(anchor === "(preamble)" ? "the opening" : anchor);
      return;
    }
    const a = document.createElement("a");
    a.href = hashFor(chapter.id, anchor);
    a.textContent = heading.textContent;
    a.lang = ui.content.lang;
    a.dir = "auto"; // an Urdu heading inside an English sentence keeps its own direction
    out.push(a);
  });
  return out;
}

function showTranslation(out, chapter, unpersonalized) {
  const original = out.source === "original";
  place(out.html, chapter, original ? null : { lang: out.lang, dir: out.direction });
  state.shownLang = original ? "" : out.lang;
  selectLanguage(state.shownLang);
  ui.toggle.checked = out.personalized;
  if (out.personalized) showApplied(out.applied_transformations);
  // Who translated it (blue), then what the reader should know about it (yellow).
  if (out.source === "machine") {
    showNote([`Machine translation into ${languageName(out.lang)} by ${out.translator}; it may contain mistakes.`]);
  } else if (out.source === "human") {
    showNote([`Translated into ${languageName(out.lang)} by people.`]);
  }
  const warning = [];
  if (unpersonalized) warning.push(`Not personalized: ${sentence(unpersonalized)} `);
  if (out.warning) warning.push(`${sentence(out.warning)} `);
  else if (out.stale) warning.push("The English chapter changed after this translation was made. ");
  if (out.stale && out.changed_sections.length) {
    warning.push("Sections changed since: ", ...sectionLinks(chapter, out.changed_sections));
  }
  if (out.untranslated_sections.length && !out.warning) {
    warning.push("Left in the original: ", ...sectionLinks(chapter, out.untranslated_sections));
  }
  ui.warning.replaceChildren(...warning);
  ui.warning.hidden = warning.length === 0;
  ui.status.textContent = `${languageName(out.lang)} · ${out.path}${out.cached ? " · cached" : ""}`;
}

// Show the chapter personalized or original. `anchor`: a heading to scroll to, null for the
// top, undefined to stay where the reader is (toggling).
async function render(seq, personalized, anchor) {
  const chapter = state.chapters.get(state.chapter);
  ui.toggle.disabled = true;
  ui.content.setAttribute("aria-busy", "true");
  try {
    const lang = state.lang && state.lang !== sourceLanguage() ? state.lang : null;
    if (lang && !available(lang)) {
      showNote([`“${chapter.title}” has no ${languageName(lang)} translation; showing the original.`]);
    } else if (lang) {
      try {
        const { out, unpersonalized } = await fetchTranslation(chapter, lang, personalized);
        if (seq !== state.seq) return;
        showTranslation(out, chapter, unpersonalized);
        if (anchor !== undefined) scrollToAnchor(anchor);
        return;
      } catch (error) {
        if (seq !== state.seq) return;
        showNote([`Could not show “${chapter.title}” in ${languageName(lang)}: ${error.message}. Showing the original.`]);
      }
    }
    state.shownLang = "";
    selectLanguage("");
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
  state.listing = null;
  // The languages on offer come with the reading mode; without them the picker offers the
  // original and the remembered language is tried anyway.
  const listing = api(chapterUrl(id, "translations")).catch(() => null);
  let personalized = false;
  if (state.token) {
    try {
      personalized = (await api(chapterUrl(id, "session"))).active;
    } catch (error) {
      if (seq !== state.seq) return;
      showMessage(ui.error, error.message);
    }
  }
  const translations = await listing;
  if (seq !== state.seq) return;
  state.listing = translations;
  fillPicker();
  selectLanguage(state.lang && available(state.lang) ? state.lang : "");
  state.personalized = personalized;
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
  state.personalized = false;
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
  state.personalized = active;
  const seq = ++state.seq;
  clearMessages();
  await render(seq, active, undefined);
});

// ---- choosing a language ---------------------------------------------------------------

// Show the chapter on the page in `code` ("": the original). A language that cannot be shown
// leaves the page as it was, says why, and is not remembered. Returns whether it was shown.
async function chooseLanguage(code) {
  const chapter = state.chapters.get(state.chapter);
  if (!chapter) return false;
  if (!code || code === sourceLanguage()) {
    rememberLanguage(null);
    const seq = ++state.seq;
    clearMessages();
    await render(seq, state.personalized, undefined);
    return true;
  }
  const seq = ++state.seq;
  showMessage(ui.error, "");
  ui.toggle.disabled = true;
  ui.content.setAttribute("aria-busy", "true");
  ui.status.textContent = `Translating into ${languageName(code)}…`;
  try {
    const { out, unpersonalized } = await fetchTranslation(chapter, code, state.personalized);
    if (seq !== state.seq) return false;
    rememberLanguage(out.source === "original" ? null : code);
    clearMessages();
    showTranslation(out, chapter, unpersonalized);
    return true;
  } catch (error) {
    if (seq !== state.seq) return false;
    ui.status.textContent = "";
    selectLanguage(state.shownLang);
    showMessage(ui.error, `Could not show “${chapter.title}” in ${languageName(code)}: ${error.message}`);
    return false;
  } finally {
    if (seq === state.seq) {
      ui.toggle.disabled = !state.token;
      ui.content.removeAttribute("aria-busy");
    }
  }
}

ui.lang.addEventListener("change", () => chooseLanguage(ui.lang.value));

async function chooseTyped() {
  const code = ui["lang-code"].value.trim().toLowerCase();
  if (!code) return;
  if (await chooseLanguage(code)) ui["lang-code"].value = "";
}

ui["lang-go"].addEventListener("click", chooseTyped);
ui["lang-code"].addEventListener("keydown", (event) => {
  if (event.key === "Enter") {
    event.preventDefault();
    chooseTyped();
  }
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
