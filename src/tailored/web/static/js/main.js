// The reader's entry point: the address (URL hash) decides what is on the page.
// `#ros2/urdf` or `#ros2/urdf:inertia`: a chapter, then an optional heading anchor (chapter
// ids never contain ':' and never start with '/'); `#/signin`, `#/register`, `#/welcome`
// (the profile wizard), `#/settings`, `#/admin`, `#/` (home): the learner's screens.
import { loadMe, onSignedOut, session } from "./api.js";
import { decode, h, showMessage, ui } from "./dom.js";
import { registerScreen, screen, settingsScreen, signInScreen, signOut } from "./account.js";
import { wizardScreen } from "./wizard.js";
import { adminScreen } from "./admin.js";
import { book, lastViewed, loadBook, loadProgress, markCurrent, pager, sendEvent, setCompleted, showProgress } from "./nav.js";
import { reading, scrollToAnchor, show } from "./reading.js";
import { tutorFor, upNext } from "./extras.js";
import "./search.js";

let returnTo = null; // the chapter to come back to after a screen

function parseHash() {
  const raw = decode(location.hash.slice(1));
  if (raw.startsWith("/")) return { screen: raw.slice(1) || "home" };
  const colon = raw.indexOf(":");
  return colon < 0 ? { id: raw, anchor: null } : { id: raw.slice(0, colon), anchor: raw.slice(colon + 1) || null };
}

function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function backToReading() {
  go(`#${returnTo || lastViewed() || book.order[0] || "/"}`);
}

function accountBar() {
  const signedIn = Boolean(session.me);
  ui["signed-out-links"].hidden = signedIn;
  ui["signed-in-links"].hidden = !signedIn;
  ui["admin-link"].hidden = !(signedIn && session.me.role === "admin");
  ui["toggle-label"].title = signedIn ? "" : "Sign in to personalize";
}

function after(what) {
  accountBar();
  if (what === "registered") return go("#/welcome");
  if (what === "signed-in") {
    loadProgress();
    if (session.profile && !session.profile.profile_completed) return go("#/welcome");
  }
  if (what === "deleted") {
    loadProgress();
    go(`#${book.order[0]}`);
    return;
  }
  backToReading();
}

function showScreen(name) {
  ui["chapter-view"].hidden = true;
  ui.screen.hidden = false;
  markCurrent(null);
  const screens = {
    signin: () => signInScreen(after), register: () => registerScreen(after),
    welcome: () => (session.me ? wizardScreen(after) : signInScreen(after)),
    settings: () => settingsScreen(after), admin: () => adminScreen(), home: homeScreen,
  };
  (screens[name] || (() => screen("Not found", h("p", {}, "There is no such page. ", h("a", { href: "#/", text: "Go to the start" })))))();
}

function homeScreen() {
  const last = lastViewed();
  const first = book.order[0];
  const list = h("ul", {});
  const section = h("section", { "aria-labelledby": "home-next", hidden: true }, h("h2", { id: "home-next", text: "Up next for you" }), list);
  screen("Your book",
    h("p", {}, last && book.chapters.has(last)
      ? h("a", { class: "button", href: `#${last}`, text: `Continue: ${book.chapters.get(last).title}` })
      : first ? h("a", { class: "button", href: `#${first}`, text: "Start reading" }) : "No chapters yet."),
    h("p", { class: "small", text: ui.progress.textContent }), section);
  upNext(list, section);
}

async function showChapter(id, anchor) {
  ui.screen.hidden = true;
  ui["chapter-view"].hidden = false;
  returnTo = id;
  const chapter = book.chapters.get(id);
  document.title = `${chapter.title} · Tailored reader`;
  markCurrent(id);
  pager(id);
  ui.complete.hidden = !session.me;
  const done = book.completed.has(id);
  ui.complete.setAttribute("aria-pressed", String(done));
  ui.complete.textContent = done ? "Completed ✓" : "Mark as complete";
  if (session.me) { lastViewed(id); sendEvent("view", id); }
  upNext();
  tutorFor(id);
  await show(id, anchor);
}

async function route() {
  const where = parseHash();
  if (where.screen) return showScreen(where.screen);
  let { id, anchor } = where;
  if (!id) {
    id = lastViewed() || book.order[0];
    if (!id) return showScreen("home");
    history.replaceState(null, "", `#${id}`);
  }
  if (!book.chapters.has(id)) {
    // An old-style `#heading` link inside the chapter on the page, or a bad address.
    if (reading.chapter && !ui["chapter-view"].hidden && scrollToAnchor(id)) return;
    reading.seq += 1; // whatever was loading is not wanted any more
    showScreen("missing");
    screen("Chapter not found", h("p", {}, "This link points to a chapter the book does not have. ",
      h("a", { href: `#${book.order[0] || "/"}`, text: "Go to the first chapter" }), " or use the search box."));
    return;
  }
  if (id === reading.chapter && ui.screen.hidden && ui.content.getAttribute("aria-busy") !== "true") {
    if (!scrollToAnchor(anchor)) window.scrollTo(0, 0);
    return;
  }
  await showChapter(id, anchor);
}

ui.logout.addEventListener("click", async () => {
  await signOut();
  accountBar();
  loadProgress();
  if (reading.chapter && ui.screen.hidden) await showChapter(reading.chapter, undefined);
  else backToReading();
});

// The skip link moves focus without touching the address (the hash names chapters here).
document.querySelector(".skip").addEventListener("click", (event) => {
  event.preventDefault();
  ui.main.focus();
  ui.main.scrollIntoView();
});

ui.complete.addEventListener("click", () => {
  const id = reading.chapter;
  const done = ui.complete.getAttribute("aria-pressed") !== "true";
  setCompleted(id, done);
  ui.complete.setAttribute("aria-pressed", String(done));
  ui.complete.textContent = done ? "Completed ✓" : "Mark as complete";
});

onSignedOut((reason) => {
  accountBar();
  loadProgress();
  showMessage(ui.error, reason === "expired" ? "Your session has ended. Sign in again to personalize." : "");
  if (reading.chapter && ui.screen.hidden) show(reading.chapter, undefined);
});

async function start() {
  try {
    await loadMe();
    await loadBook();
  } catch {
    ui.content.replaceChildren(h("p", { text: "The book cannot be loaded right now. Check your connection and reload the page." }));
    return;
  }
  accountBar();
  await loadProgress();
  showProgress();
  if (book.chapters.size === 0) {
    ui.content.replaceChildren(h("p", { text: "This book has no chapters yet." }));
    return;
  }
  window.addEventListener("hashchange", () => route());
  await route();
}

start();
