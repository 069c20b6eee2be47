// Screens about the learner's account: sign in, create an account, settings (change the
// password, export my data, delete the account) and signing out.
import { api, friendly, loadMe, session, setToken } from "./api.js";
import { h, showMessage, ui } from "./dom.js";

function field(label, attrs) {
  return h("label", {}, label, h("input", attrs));
}

function errorLine() {
  return h("p", { class: "error", role: "alert", hidden: true });
}

// Renders `nodes` as the current screen and focuses its heading (for screen readers).
export function screen(title, ...nodes) {
  const heading = h("h1", { tabindex: "-1", text: title });
  ui.screen.className = "";
  ui.screen.replaceChildren(heading, ...nodes);
  heading.focus();
  document.title = `${title} · Tailored reader`;
  return heading;
}

async function signIn(email, password) {
  const out = await api("/api/auth/login", { method: "POST", body: { email, password } });
  setToken(out.access_token);
  await loadMe();
}

export function signInScreen(done) {
  const error = errorLine();
  const email = field("Email", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = field("Password", { type: "password", name: "password", autocomplete: "current-password", required: true });
  const submit = h("button", { type: "submit", class: "primary", text: "Sign in" });
  const form = h("form", { method: "post", "aria-label": "Sign in" }, email, password,
    h("div", { class: "actions" }, submit, h("a", { href: "#/register", text: "No account yet? Create one" })), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    showMessage(error, "");
    try {
      await signIn(email.querySelector("input").value, password.querySelector("input").value);
      done("signed-in");
    } catch (err) {
      showMessage(error, err.status === 401 ? "That email and password do not match an account." : friendly(err));
    } finally {
      submit.disabled = false;
    }
  });
  screen("Sign in", h("p", { text: "Sign in to read chapters adapted to you and keep your progress." }), form);
}

export function registerScreen(done) {
  const error = errorLine();
  const name = field("Your name (optional)", { type: "text", name: "name", autocomplete: "name", maxlength: 120 });
  const email = field("Email", { type: "email", name: "email", autocomplete: "username", required: true });
  const password = field("Password (at least 10 characters)", { type: "password", name: "password", autocomplete: "new-password", required: true, minlength: 10 });
  const submit = h("button", { type: "submit", class: "primary", text: "Create account" });
  const form = h("form", { method: "post", "aria-label": "Create account" }, name, email, password,
    h("div", { class: "actions" }, submit, h("a", { href: "#/signin", text: "Already have an account? Sign in" })), error);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    showMessage(error, "");
    const value = (label) => label.querySelector("input").value;
    try {
      await api("/api/auth/register", {
        method: "POST",
        body: { email: value(email), password: value(password), display_name: value(name) || null },
      });
      await signIn(value(email), value(password));
      done("registered");
    } catch (err) {
      showMessage(error, err.status === 409 ? "An account with this email exists already. Sign in instead." : friendly(err));
    } finally {
      submit.disabled = false;
    }
  });
  screen("Create your account", h("p", { text: "Then tell us a little about yourself, and every chapter adapts to you." }), form);
}

export async function signOut() {
  try {
    await api("/api/auth/logout", { method: "POST" });
  } catch {
    // The token is forgotten here either way.
  }
  setToken(null);
}

function download(name, data) {
  const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
  const a = h("a", { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function settingsScreen(done) {
  if (!session.me) return signInScreen(done);
  const who = session.me.display_name ? `${session.me.display_name} (${session.me.email})` : session.me.email;

  const pwError = errorLine();
  const current = field("Current password", { type: "password", autocomplete: "current-password", required: true });
  const next = field("New password (at least 10 characters)", { type: "password", autocomplete: "new-password", required: true, minlength: 10 });
  const pwDone = h("p", { class: "ok", role: "status" });
  const pwForm = h("form", { "aria-label": "Change password" }, current, next,
    h("div", { class: "actions" }, h("button", { type: "submit", text: "Change password" })), pwError, pwDone);
  pwForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    showMessage(pwError, "");
    pwDone.textContent = "";
    try {
      await api("/api/me/password", { method: "POST", body: {
        current_password: current.querySelector("input").value, new_password: next.querySelector("input").value } });
      pwForm.reset();
      pwDone.textContent = "Password changed. You stay signed in here; other devices are signed out.";
    } catch (err) {
      showMessage(pwError, err.status === 401 || err.status === 403 ? "The current password is not right." : friendly(err));
    }
  });

  const exportError = errorLine();
  const exportButton = h("button", { type: "button", text: "Download my data (JSON)" });
  exportButton.addEventListener("click", async () => {
    showMessage(exportError, "");
    try {
      download("my-tailored-data.json", await api("/api/me/export"));
    } catch (err) {
      showMessage(exportError, friendly(err));
    }
  });

  const delError = errorLine();
  const delPassword = field("Your password, to confirm", { type: "password", autocomplete: "current-password", required: true });
  const delForm = h("form", { "aria-label": "Delete account" },
    h("p", { text: "This removes your account, profile, progress and history for good." }), delPassword,
    h("div", { class: "actions" }, h("button", { type: "submit", text: "Delete my account" })), delError);
  delForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    showMessage(delError, "");
    if (!window.confirm("Delete your account and everything in it? This cannot be undone.")) return;
    try {
      await api("/api/me", { method: "DELETE", body: { password: delPassword.querySelector("input").value } });
      setToken(null);
      done("deleted");
    } catch (err) {
      showMessage(delError, err.status === 401 || err.status === 403 ? "That password is not right." : friendly(err));
    }
  });

  screen("Settings",
    h("p", {}, "Signed in as ", h("strong", { text: who })),
    h("section", { "aria-labelledby": "s-profile", class: "stack" }, h("h2", { id: "s-profile", text: "Your profile" }),
      h("p", { text: "What you told us shapes how chapters are adapted." }),
      h("p", {}, h("a", { href: "#/welcome", class: "button", text: "Edit my profile" }))),
    h("section", { "aria-labelledby": "s-password", class: "stack" }, h("h2", { id: "s-password", text: "Change password" }), pwForm),
    h("section", { "aria-labelledby": "s-export", class: "stack" }, h("h2", { id: "s-export", text: "Export my data" }),
      h("p", { text: "Everything we keep about you, as one file." }), h("div", {}, exportButton), exportError),
    h("section", { "aria-labelledby": "s-delete", class: "stack" }, h("h2", { id: "s-delete", text: "Delete account" }), delForm));
}
