// The JSON API and the learner's session. The bearer token lives in localStorage, so a new
// tab and a reload stay signed in; a `storage` event tells the other tabs when it changes.
// No cookie carries it, so there is nothing for another site to forge (no CSRF).
import { store } from "./dom.js";

const TOKEN_KEY = "tailored-token";

export const session = {
  token: store.get(TOKEN_KEY),
  me: null, // GET /api/me
  profile: null, // GET /api/me/profile
};

export function setToken(token) {
  session.token = token;
  store.set(TOKEN_KEY, token);
  if (!token) {
    session.me = null;
    session.profile = null;
  }
}

const listeners = new Set();
// fn(reason) runs when the session ends on its own (expired token) or in another tab.
export function onSignedOut(fn) {
  listeners.add(fn);
}
function ended(reason) {
  setToken(null);
  for (const fn of listeners) fn(reason);
}
window.addEventListener("storage", (event) => {
  if (event.key !== TOKEN_KEY) return;
  session.token = event.newValue;
  if (!event.newValue) ended("signed-out-elsewhere");
  else location.reload(); // signed in (as someone, maybe someone else) in another tab
});

export class ApiError extends Error {
  constructor(status, name, detail) {
    super(detail || name);
    this.status = status;
    this.name = name;
    this.detail = detail;
  }
}

function describe(detail) {
  if (detail === null || detail === undefined) return "";
  if (typeof detail === "string") return detail;
  if (typeof detail.message === "string") return detail.message;
  if (Array.isArray(detail)) return detail.map((d) => d.msg || "").filter(Boolean).join("; ");
  return "";
}

// What a learner is told. Server details can name files or internals, so only validation
// messages (422, about what they typed) are shown as sent; anything else is said plainly.
const PATH_RE = /(?:[\w.-]+\/){2,}[\w.-]+|\b[\w-]+\.(?:mdx?|py|json)\b/g;
export function friendly(error, what = "this") {
  switch (error.status) {
    case 0: return "The server cannot be reached. Check your connection and try again.";
    case 401: return "Please sign in again.";
    case 403: return error.name === "ProfileIncomplete"
      ? "Finish your profile first (Settings → Edit my profile)."
      : "You are not allowed to do that.";
    case 404: return `We could not find ${what}.`;
    case 409: return (error.detail || "That conflicts with something that exists.").replace(PATH_RE, "…");
    case 422: return (error.detail || "Please check what you typed.").replace(PATH_RE, "…");
    case 429: return "Too many attempts. Wait a minute and try again.";
    default: return "Something went wrong on our side. Try again in a moment.";
  }
}

export async function api(path, { method = "GET", body } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "NetworkError", "");
  }
  if (response.status === 204) return null;
  let payload = null;
  try {
    payload = await response.json();
  } catch {
    // Not JSON (a proxy's error page): the status is all there is.
  }
  if (!response.ok) {
    const error = new ApiError(response.status, (payload && payload.error) || `HTTP ${response.status}`,
      describe(payload ? payload.detail : ""));
    // A wrong password (InvalidCredentials) is a 401 too, but the session is still good.
    if (response.status === 401 && session.token && error.name !== "InvalidCredentials" && !path.startsWith("/api/auth/")) {
      ended("expired");
    }
    throw error;
  }
  return payload;
}

// An optional endpoint (another feature's): its answer, or null when this server has none.
export async function optional(path, options) {
  try {
    return await api(path, options);
  } catch (error) {
    if (error.status === 404 || error.status === 405) return null;
    throw error;
  }
}

// Ids come from the chapter list, never straight from the hash, and each segment is encoded.
export function chapterUrl(id, action) {
  return `/api/chapters/${id.split("/").map(encodeURIComponent).join("/")}/${action}`;
}

export function hashFor(id, anchor) {
  return `#${id}${anchor ? `:${encodeURIComponent(anchor)}` : ""}`;
}

export async function loadMe() {
  if (!session.token) return null;
  try {
    session.me = await api("/api/me");
    session.profile = await api("/api/me/profile").catch(() => null);
  } catch (error) {
    if (error.status !== 401) throw error;
    session.me = null;
  }
  return session.me;
}
