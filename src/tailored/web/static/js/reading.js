// Reading a chapter: original, personalized or translated; what changed, in the learner's
// words; notices that say what to do, never a file path or an internal name.
import { api, chapterUrl, friendly, session } from "./api.js";
import { h, showMessage, ui } from "./dom.js";
import { markChanges, place } from "./chapter.js";
import {
  available, fetchTranslation, fillPicker, languageName, languages, rememberLanguage,
  selectLanguage, sourceLanguage, validCode,
} from "./lang.js";
import { book } from "./nav.js";

export const reading = { chapter: null, seq: 0, personalized: false };

// The adapter's transformation names, as a learner would put them.
const CHANGE_WORDS = {
  audience_variants: "Kept the passages written for someone with your background",
  glossary: "Explained technical terms where they first appear",
  code_language: "Put code in the languages you use first",
  hardware_path: "Showed the setup for the hardware you have",
  depth: "Folded away detail you can open when you want it",
  prerequisites: "Pointed to chapters worth reading first",
  llm: "Reworded the explanations for you",
  llm_rejected: "Kept some sections as they were, because rewording them was not reliable",
};

function words(t) {
  return CHANGE_WORDS[t.name] || "Adapted for your profile";
}

export function clearMessages() {
  for (const id of ["translation-note", "warning", "error", "hint"]) showMessage(ui[id], "");
  ui.applied.hidden = true;
  ui["applied-list"].replaceChildren();
  ui.status.textContent = "";
}

function showApplied(transformations) {
  const items = transformations.map((t) => h("li", {}, h("strong", { text: words(t) }), t.detail ? ` (${t.detail})` : ""));
  ui["applied-list"].replaceChildren(...items);
  ui["applied-summary"].textContent = items.length === 1 ? "What changed for you: 1 change" : `What changed for you: ${items.length} changes`;
  ui.applied.hidden = items.length === 0;
}

function ready(anchor) {
  if (anchor === undefined) return;
  const target = anchor && [...ui.content.querySelectorAll("[id]")].find((e) => e.id === anchor);
  if (target) target.scrollIntoView();
  else window.scrollTo(0, 0);
}

export function scrollToAnchor(anchor) {
  const target = anchor && [...ui.content.querySelectorAll("[id]")].find((e) => e.id === anchor);
  if (target) target.scrollIntoView();
  return Boolean(target);
}

async function withOriginal(chapter) {
  try {
    return (await api(chapterUrl(chapter.id, "html"))).html;
  } catch {
    return null;
  }
}

function showTranslation(out, chapter, unpersonalized) {
  const original = out.source === "original";
  place(out.html, chapter, original ? null : { lang: out.lang, dir: out.direction });
  languages.shown = original ? "" : out.lang;
  selectLanguage(languages.shown);
  ui.toggle.checked = Boolean(out.personalized);
  if (out.personalized) showApplied(out.applied_transformations);
  const name = languageName(out.lang);
  if (out.source === "machine") showMessage(ui["translation-note"], `Machine translation into ${name}; it may contain mistakes.`);
  else if (out.source === "human") showMessage(ui["translation-note"], `Translated into ${name} by people.`);
  const notes = [];
  if (unpersonalized) notes.push("This translation is not personalized; the original wording is used.");
  if (out.warning) notes.push("Parts of this chapter could not be adapted safely, so they are shown as written.");
  else if (out.stale) notes.push("The English chapter changed after this translation was made; some parts may be out of date.");
  if (out.untranslated_sections && out.untranslated_sections.length && !out.warning) {
    notes.push(`${out.untranslated_sections.length} section(s) are still in the original language.`);
  }
  showMessage(ui.warning, notes.join(" "));
  ui.status.textContent = out.cached ? "Ready instantly" : "";
}

// Show the chapter personalized or original (in the chosen language when there is one).
// `anchor`: a heading to scroll to, null for the top, undefined to stay where the reader is.
export async function render(seq, personalized, anchor) {
  const chapter = book.chapters.get(reading.chapter);
  ui.toggle.disabled = true;
  ui.content.setAttribute("aria-busy", "true");
  try {
    const lang = languages.chosen && languages.chosen !== sourceLanguage() ? languages.chosen : null;
    if (lang && !available(lang)) {
      showMessage(ui["translation-note"], `This chapter has no ${languageName(lang)} version yet; showing the original.`);
    } else if (lang) {
      try {
        const { out, unpersonalized } = await fetchTranslation(chapter, lang, personalized);
        if (seq !== reading.seq) return;
        showTranslation(out, chapter, unpersonalized);
        return ready(anchor);
      } catch (error) {
        if (seq !== reading.seq) return;
        showMessage(ui["translation-note"], `This chapter cannot be shown in ${languageName(lang)} right now (${friendly(error, "a translation")}) Showing the original.`);
      }
    }
    languages.shown = "";
    selectLanguage("");
    if (personalized) {
      try {
        const out = await api(chapterUrl(chapter.id, "personalize?html=true"), { method: "POST" });
        if (seq !== reading.seq) return;
        place(out.html, chapter);
        ui.toggle.checked = true;
        showApplied(out.applied_transformations);
        if (out.warning) showMessage(ui.warning, "This chapter could not be adapted safely this time, so you see the original.");
        else if (out.applied_transformations.length === 0) showMessage(ui.warning, "Nothing in this chapter needed changing for your profile.");
        else {
          const original = await withOriginal(chapter);
          if (seq !== reading.seq) return;
          if (original) markChanges(original, chapter);
        }
        ui.status.textContent = out.cached ? "Ready instantly" : "";
        return ready(anchor);
      } catch (error) {
        if (seq !== reading.seq) return;
        if (error.status === 403) {
          ui.hint.replaceChildren("To read this chapter adapted to you, ", h("a", { href: "#/welcome", text: "finish your profile" }), " (it takes a minute).");
          ui.hint.hidden = false;
        } else if (session.token) showMessage(ui.warning, `Showing the original: ${friendly(error, "this chapter")}`);
      }
    }
    const out = await api(chapterUrl(chapter.id, "html"));
    if (seq !== reading.seq) return;
    place(out.html, chapter);
    ui.toggle.checked = false;
    ready(anchor);
  } catch (error) {
    if (seq !== reading.seq) return;
    ui.content.replaceChildren(h("p", { text: `“${chapter.title}” could not be loaded. ${friendly(error, "this chapter")}` }));
  } finally {
    if (seq === reading.seq) {
      ui.toggle.disabled = !session.token;
      ui.content.removeAttribute("aria-busy");
    }
  }
}

export async function show(id, anchor) {
  const seq = ++reading.seq;
  reading.chapter = id;
  clearMessages();
  languages.listing = null;
  const listing = api(chapterUrl(id, "translations")).catch(() => null);
  let personalized = false;
  if (session.token) {
    try {
      personalized = (await api(chapterUrl(id, "session"))).active;
    } catch {
      // Reading mode unknown: the original.
    }
  } else {
    ui.hint.replaceChildren(h("a", { href: "#/register", text: "Create an account" }), " or ", h("a", { href: "#/signin", text: "sign in" }), " to read this chapter adapted to you.");
    ui.hint.hidden = false;
  }
  const translations = await listing;
  if (seq !== reading.seq) return;
  languages.listing = translations;
  fillPicker();
  selectLanguage(languages.chosen && available(languages.chosen) ? languages.chosen : "");
  reading.personalized = personalized;
  ui.toggle.checked = personalized;
  await render(seq, personalized, anchor);
}

ui.toggle.addEventListener("change", async () => {
  const active = ui.toggle.checked;
  const id = reading.chapter;
  if (!id || !session.token) return;
  ui.toggle.disabled = true;
  try {
    await api(chapterUrl(id, "session"), { method: "PUT", body: { active } });
  } catch (error) {
    ui.toggle.checked = !active;
    ui.toggle.disabled = false;
    showMessage(ui.error, `Your choice could not be saved. ${friendly(error)}`);
    return;
  }
  reading.personalized = active;
  const seq = ++reading.seq;
  clearMessages();
  await render(seq, active, undefined);
});

async function chooseLanguage(code) {
  if (!book.chapters.get(reading.chapter)) return false;
  if (code && !validCode(code)) {
    showMessage(ui.error, "Type a two-letter language code, such as fr for French.");
    return false;
  }
  rememberLanguage(!code || code === sourceLanguage() ? null : code);
  const seq = ++reading.seq;
  clearMessages();
  if (code) ui.status.textContent = `Translating into ${languageName(code)}…`;
  await render(seq, reading.personalized, undefined);
  return true;
}

ui.lang.addEventListener("change", () => chooseLanguage(ui.lang.value));
async function chooseTyped() {
  const code = ui["lang-code"].value.trim().toLowerCase();
  if (code && (await chooseLanguage(code))) ui["lang-code"].value = "";
}
ui["lang-go"].addEventListener("click", chooseTyped);
ui["lang-code"].addEventListener("keydown", (e) => {
  if (e.key === "Enter") { e.preventDefault(); chooseTyped(); }
});
