// Languages: the picker (the chapter's human translations, then what the machine translators
// can do, and any ISO 639-1 code typed in), remembered in this browser for the next chapter.
import { api, chapterUrl, session } from "./api.js";
import { h, store, ui } from "./dom.js";

const LANG_KEY = "tailored-lang";
const COMMON_LANGUAGES = ["ar", "de", "es", "fr", "hi", "ja", "pt", "ru", "ur", "zh"];
const LANG_RE = /^[a-z]{2}$/;

export const languages = {
  chosen: storedLanguage(), // null: the original
  listing: null, // GET .../translations for the chapter on the page
  shown: "", // the language on the page ("": the original)
};

function storedLanguage() {
  const code = store.get(LANG_KEY);
  return code && LANG_RE.test(code) ? code : null;
}

export function rememberLanguage(code) {
  languages.chosen = code;
  store.set(LANG_KEY, code);
}

export function languageName(code, locale = "en") {
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

export function sourceLanguage() {
  return languages.listing ? languages.listing.source_language : "en";
}

const option = (value, label) => h("option", { value, text: label });

function machineLanguages(listing) {
  const lists = Object.values(listing.machine);
  if (lists.some((l) => l === null)) return COMMON_LANGUAGES;
  return [...new Set(lists.flat())].sort();
}

export function fillPicker() {
  const listing = languages.listing;
  const source = sourceLanguage();
  const items = [option("", `${languageName(source)} (original)`)];
  if (listing) {
    const human = listing.human.map((t) => t.lang);
    if (human.length) {
      items.push(h("optgroup", { label: "Translated by people" }, ...listing.human.map((t) =>
        option(t.lang, `${languageLabel(t.lang)}${t.stale ? " (older than the chapter)" : ""}`))));
    }
    const machine = machineLanguages(listing).filter((c) => c !== source && !human.includes(c));
    if (machine.length) items.push(h("optgroup", { label: "Machine translation" }, ...machine.map((c) => option(c, languageLabel(c)))));
  }
  ui.lang.replaceChildren(...items);
}

export function selectLanguage(code) {
  if (code && ![...ui.lang.options].some((o) => o.value === code)) ui.lang.append(option(code, languageLabel(code)));
  ui.lang.value = code;
}

export function available(code) {
  const listing = languages.listing;
  if (!listing) return true;
  if (listing.human.some((t) => t.lang === code)) return true;
  return Object.values(listing.machine).some((l) => l === null || l.includes(code));
}

export function validCode(code) {
  return LANG_RE.test(code);
}

function translateUrl(id, lang, personalized) {
  const query = new URLSearchParams({ lang, html: "true" });
  if (personalized) query.set("personalized", "true");
  return chapterUrl(id, `translate?${query}`);
}

// The chapter in `lang`, personalized when asked and possible; `unpersonalized` is true when
// it had to fall back to the plain translation.
export async function fetchTranslation(chapter, lang, personalized) {
  const post = { method: "POST" };
  if (personalized && session.token) {
    try {
      return { out: await api(translateUrl(chapter.id, lang, true), post), unpersonalized: false };
    } catch (error) {
      if ([0, 404, 422].includes(error.status)) throw error;
    }
    return { out: await api(translateUrl(chapter.id, lang, false), post), unpersonalized: true };
  }
  return { out: await api(translateUrl(chapter.id, lang, false), post), unpersonalized: false };
}
