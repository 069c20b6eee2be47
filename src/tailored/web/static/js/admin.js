// The admin dashboard: requests, hit rate and latency percentiles over time (SVG charts drawn
// here: no chart library), top chapters, audiences, stored bytes, model tokens and circuit
// state, ingest with its report, and the users.
import { api, friendly, session } from "./api.js";
import { h, showMessage, ui } from "./dom.js";
import { screen } from "./account.js";
import { book } from "./nav.js";

const SVG = "http://www.w3.org/2000/svg";
function s(tag, attrs = {}, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

// A line chart of `series` ([{label, values}]) over `times`; null values leave gaps.
function chart(title, times, series, unit) {
  const W = 640, H = 200, L = 48, B = 24, T = 10;
  const all = series.flatMap((x) => x.values).filter((v) => v !== null);
  const max = Math.max(1e-9, ...all) * 1.1;
  const x = (i) => L + (i * (W - L - 8)) / Math.max(1, times.length - 1);
  const y = (v) => T + (H - T - B) * (1 - v / max);
  const svg = s("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": `${title}, ${series.map((x) => x.label).join(", ")} over time` });
  svg.append(s("line", { x1: L, y1: H - B, x2: W - 8, y2: H - B, class: "axis" }), s("line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }));
  svg.append(s("text", { x: 4, y: T + 10 }, `${max.toFixed(max < 10 ? 2 : 0)}${unit}`), s("text", { x: 4, y: H - B }, `0${unit}`));
  const fmt = (t) => new Date(t).toLocaleDateString(undefined, { month: "short", day: "numeric" });
  if (times.length) svg.append(s("text", { x: L, y: H - 6 }, fmt(times[0])), s("text", { x: W - 70, y: H - 6 }, fmt(times[times.length - 1])));
  series.forEach((line, k) => {
    let d = "";
    line.values.forEach((v, i) => { if (v !== null) d += `${d && line.values[i - 1] !== null ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`; });
    if (d) svg.append(s("path", { d, class: `line s${k}` }));
    // A dot per slice with data: a lone slice draws no line.
    line.values.forEach((v, i) => { if (v !== null) svg.append(s("circle", { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3, class: `dot d${k}` })); });
  });
  return h("figure", {}, h("figcaption", { text: title }), svg,
    h("p", { class: "legend" }, ...series.map((line, k) => h("span", { class: `k${k}`, text: `■ ${line.label}` }))));
}

const card = (label, value) => h("div", { class: "card" }, h("span", { class: "figure", text: value }), label);
const ms = (v) => (v === null || v === undefined ? "–" : `${Math.round(v)} ms`);
const bytes = (n) => (n > 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${(n / 1e3).toFixed(1)} kB`);

function table(caption, head, rows) {
  return h("div", { class: "scroll" }, h("table", {}, h("caption", { text: caption }),
    h("thead", {}, h("tr", {}, ...head.map((c) => h("th", { scope: "col", text: c })))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((c) => h("td", { text: String(c) })))))));
}

export async function adminScreen() {
  if (!session.me || session.me.role !== "admin") {
    screen("Dashboard", h("p", { text: "The dashboard is for administrators. Sign in with an administrator account." }));
    return;
  }
  screen("Dashboard", h("p", { text: "Loading…" }));
  ui.screen.className = "wide";
  let stats, series, llm, users;
  try {
    [stats, series, llm, users] = await Promise.all([
      api("/api/admin/stats/personalization?days=30"), api("/api/admin/stats/timeseries?days=7&buckets=28"),
      api("/api/admin/stats/llm"), api("/api/admin/users?limit=50"),
    ]);
  } catch (error) {
    screen("Dashboard", h("p", { class: "error", text: friendly(error, "the figures") }));
    return;
  }
  const times = series.points.map((p) => p.start);
  const ingestReport = h("div", { role: "status" });
  const ingest = h("button", { type: "button", class: "primary", text: "Re-read the docs folder" });
  ingest.addEventListener("click", async () => {
    ingest.disabled = true;
    showMessage(ingestReport, "Reading…");
    try {
      const r = await api("/api/admin/ingest", { method: "POST" });
      ingestReport.replaceChildren(h("p", { text: `${r.added.length} added, ${r.changed.length} changed, ${r.unchanged.length} unchanged, ${r.removed.length} removed, ${r.errors.length} with errors.` }),
        ...(r.errors.length ? [table("Files with errors", ["File", "Problem"], r.errors.map((e) => [e.path, e.message]))] : []));
    } catch (error) {
      ingestReport.textContent = error.name === "IngestWouldPrune"
        ? "Refused: this would remove more than half of the chapters. Check the docs folder."
        : friendly(error, "the docs folder");
    } finally {
      ingest.disabled = false;
    }
  });
  const title = (id) => (book.chapters.get(id) || { title: id }).title;
  screen("Dashboard",
    h("section", { "aria-labelledby": "a-sum" }, h("h2", { id: "a-sum", text: "Last 30 days" }), h("div", { class: "cards" },
      card("personalize requests", String(stats.requests)),
      card("served from the cache", stats.hit_rate === null ? "–" : `${Math.round(stats.hit_rate * 100)}%`),
      card("p95 latency, cached", ms(stats.cached.p95)), card("p95 latency, uncached", ms(stats.uncached.p95)),
      card("distinct audiences", String(stats.distinct_audiences)),
      card(`stored (${stats.stored_entries} results)`, bytes(stats.stored_bytes)),
      card("model tokens in / out", `${stats.input_tokens} / ${stats.output_tokens}`))),
    h("section", { "aria-labelledby": "a-time" }, h("h2", { id: "a-time", text: "Last 7 days" }),
      chart("Requests", times, [{ label: "requests", values: series.points.map((p) => p.requests) }], ""),
      chart("Latency percentiles", times, [
        { label: "p50", values: series.points.map((p) => p.p50) },
        { label: "p95", values: series.points.map((p) => p.p95) },
        { label: "p99", values: series.points.map((p) => p.p99) }], " ms"),
      chart("Cache hit rate", times, [{ label: "hit rate", values: series.points.map((p) => (p.hit_rate === null ? null : p.hit_rate * 100)) }], "%")),
    h("section", { "aria-labelledby": "a-top" }, h("h2", { id: "a-top", text: "Top chapters" }),
      table("Most personalized chapters", ["Chapter", "Requests"], stats.top_chapters.map((c) => [title(c.chapter_id), c.requests]))),
    h("section", { "aria-labelledby": "a-llm" }, h("h2", { id: "a-llm", text: "Language models" }),
      llm.length ? table("Providers", ["Provider", "Calls", "Tokens in", "Tokens out", "Circuit"],
        llm.map((p) => [p.name, p.requests, p.input_tokens, p.output_tokens, p.circuit])) : h("p", { text: "No language model is configured; the offline rules adapter does the work." })),
    h("section", { "aria-labelledby": "a-ingest" }, h("h2", { id: "a-ingest", text: "Content" }),
      h("p", { text: `${book.chapters.size} chapters loaded.` }), ingest, ingestReport),
    h("section", { "aria-labelledby": "a-users" }, h("h2", { id: "a-users", text: `Users (${users.total})` }),
      table("Accounts", ["Email", "Name", "Role", "Joined"], users.items.map((u) => [u.email, u.display_name || "", u.role, u.created_at.slice(0, 10)]))));
  ui.screen.className = "wide";
}
