// Panels other features provide, shown only when this server has them (a 404 hides them):
// "Up next" (GET /api/me/recommendations) and the tutor (POST /api/tutor/conversations).
import { api, friendly, hashFor, optional, session } from "./api.js";
import { h, ui } from "./dom.js";
import { book } from "./nav.js";

const tutor = { available: null, conversation: null, chapter: null };

export async function upNext(list = ui["upnext-list"], section = ui.upnext) {
  section.hidden = true;
  if (!session.token) return;
  const out = await optional("/api/me/recommendations?n=5").catch(() => null);
  const items = out && Array.isArray(out.items) ? out.items.filter((i) => book.chapters.has(i.content_id)) : [];
  list.replaceChildren(...items.map((i) => h("li", {},
    h("a", { href: hashFor(i.content_id, i.anchor || null), text: i.title || book.chapters.get(i.content_id).title }),
    i.reason ? h("span", { class: "small", text: ` · ${i.reason}` }) : null)));
  section.hidden = items.length === 0;
}

// An answer's light Markdown as text nodes: **bold** and `code` kept, [label](target) shown as
// its label (the cited sections below are the links). Never parsed as HTML.
function inline(text) {
  const out = [];
  const re = /\*\*([^*]+)\*\*|`([^`]+)`|\[([^\]]+)\]\([^)]*\)/g;
  let at = 0;
  for (const m of text.matchAll(re)) {
    out.push(text.slice(at, m.index));
    if (m[1]) out.push(h("strong", { text: m[1] }));
    else if (m[2]) out.push(h("code", { text: m[2] }));
    else out.push(m[3]);
    at = m.index + m[0].length;
  }
  out.push(text.slice(at));
  return out;
}

function message(role, text, citations) {
  const cites = (citations || []).filter((c) => book.chapters.has(c.chapter_id));
  return h("li", { class: role === "user" ? "me" : "tutor" },
    h("span", { class: "sr", text: role === "user" ? "You: " : "Tutor: " }), ...inline(text),
    cites.length ? h("p", { class: "small" }, "Sources: ", ...cites.flatMap((c, i) => [i ? ", " : "",
      h("a", { href: hashFor(c.chapter_id, c.anchor || null), text: c.heading || book.chapters.get(c.chapter_id).title })])) : null);
}

export async function tutorFor(chapterId) {
  if (!session.token || tutor.available === false) { ui.tutor.hidden = true; return; }
  if (tutor.chapter !== chapterId) {
    tutor.chapter = chapterId;
    tutor.conversation = null;
    ui["tutor-log"].replaceChildren();
  }
  if (tutor.available === null) {
    // Probe once without creating anything: a conversation is made on the first question.
    // Any answer but 404 (a 405 for GET, say) means the route exists.
    tutor.available = await api("/api/tutor/conversations").then(() => true, (e) => e.status !== 404);
  }
  ui.tutor.hidden = !tutor.available;
}

ui["tutor-form"].addEventListener("submit", async (e) => {
  e.preventDefault();
  const content = ui["tutor-input"].value.trim();
  if (!content) return;
  ui["tutor-log"].append(message("user", content));
  ui["tutor-input"].value = "";
  try {
    if (!tutor.conversation) {
      tutor.conversation = await api("/api/tutor/conversations", { method: "POST", body: { chapter_id: tutor.chapter } });
    }
    const answer = await api(`/api/tutor/conversations/${encodeURIComponent(tutor.conversation.id)}/messages`,
      { method: "POST", body: { content, chapter_id: tutor.chapter } });
    ui["tutor-log"].append(message("assistant", answer.content, answer.citations));
  } catch (error) {
    ui["tutor-log"].append(h("li", { class: "error", text: `No answer this time. ${friendly(error, "the tutor")}` }));
  }
});
