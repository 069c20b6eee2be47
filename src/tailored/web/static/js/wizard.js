// The onboarding wizard: the profile in three short steps, in plain words. Every step can be
// skipped; the same wizard edits the profile later (Settings → Edit my profile).
import { api, friendly, session } from "./api.js";
import { h, showMessage } from "./dom.js";
import { screen } from "./account.js";

const ONE = "radio";
const MANY = "checkbox";
// [field, question, kind, [[value, words]...]]
const STEPS = [
  ["Your programming background", [
    ["software_level", "How comfortable are you with programming?", ONE, [
      ["beginner", "I'm new to it"], ["intermediate", "I write code regularly"], ["advanced", "I'm an experienced developer"]]],
    ["languages", "Which languages do you use?", MANY, [
      ["python", "Python"], ["c++", "C++"], ["javascript", "JavaScript"], ["rust", "Rust"], ["java", "Java"], ["matlab", "MATLAB"]]],
    ["frameworks", "Tools you know (comma-separated, e.g. ROS 2, PyTorch)", "tags", []],
  ]],
  ["Your hardware background", [
    ["hardware_level", "How much hardware have you worked with?", ONE, [
      ["none", "None yet"], ["basic", "A little (kits, Arduino)"], ["intermediate", "Some projects"], ["advanced", "A lot, professionally"]]],
    ["hardware_domains", "Which of these have you used?", MANY, [
      ["basic_electronics", "Basic electronics"], ["robotics_kits", "Robotics kits"], ["gpus_accelerators", "GPUs"],
      ["jetson_edge", "Jetson / edge devices"], ["embedded_systems", "Embedded systems"],
      ["sensors_actuators", "Sensors and motors"], ["3d_printing", "3D printing"], ["pcb_design", "Circuit board design"]]],
    ["hardware_available", "What can you use for the exercises?", MANY, [
      ["rtx_workstation", "A PC with an NVIDIA RTX card"], ["cloud", "Cloud machines"], ["jetson_kit", "A Jetson kit"], ["none", "None of these"]]],
  ]],
  ["About you", [
    ["role", "What describes you best?", ONE, [
      ["student", "Student"], ["professional", "Working professional"], ["researcher", "Researcher"], ["instructor", "Teacher"]]],
    ["robotics_experience", "Experience with robots", ONE, [
      ["none", "None"], ["hobbyist", "As a hobby"], ["academic", "In courses or research"], ["professional", "At work"]]],
    ["difficulty_preference", "How should chapters feel?", ONE, [
      ["gentle", "Gentle: more explanation"], ["balanced", "Balanced"], ["challenging", "Challenging: get to the point"]]],
    ["interests", "Topics you care about (comma-separated)", "tags", []],
    ["preferred_language", "Language you prefer to read in", "language", []],
  ]],
];
const READING_LANGUAGES = [["", "English"], ["ur", "Urdu · اردو"], ["ar", "Arabic · العربية"], ["es", "Spanish · Español"],
  ["fr", "French · Français"], ["de", "German · Deutsch"], ["hi", "Hindi · हिन्दी"], ["zh", "Chinese · 中文"]];

function question([name, text, kind, options], profile) {
  const current = profile ? profile[name] : null;
  if (kind === "tags") {
    return h("label", {}, text, h("input", { type: "text", name, value: (current || []).join(", ") }));
  }
  if (kind === "language") {
    const select = h("select", { name }, ...READING_LANGUAGES.map(([value, words]) =>
      h("option", { value, selected: (current || "") === value, text: words })));
    return h("label", {}, text, select);
  }
  const chosen = Array.isArray(current) ? current : [current];
  return h("fieldset", {}, h("legend", { text }), h("div", { class: "choices" }, ...options.map(([value, words]) =>
    h("label", {}, h("input", { type: kind, name, value, checked: chosen.includes(value) }), words))));
}

function read(form) {
  const out = {};
  for (const [, questions] of STEPS) {
    for (const [name, , kind] of questions) {
      const inputs = [...form.querySelectorAll(`[name="${name}"]`)];
      if (!inputs.length) continue;
      if (kind === ONE) {
        const picked = inputs.find((i) => i.checked);
        if (picked) out[name] = picked.value;
      } else if (kind === MANY) {
        out[name] = inputs.filter((i) => i.checked).map((i) => i.value);
        if (name === "hardware_available" && out[name].includes("none") && out[name].length > 1) {
          out[name] = out[name].filter((v) => v !== "none");
        }
      } else if (kind === "tags") {
        out[name] = inputs[0].value.split(",").map((t) => t.trim()).filter(Boolean);
      } else {
        out[name] = inputs[0].value || null;
      }
    }
  }
  return out;
}

export function wizardScreen(done) {
  const profile = session.profile;
  const form = h("form", { "aria-label": "Your profile" });
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const progress = h("p", { class: "steps", "aria-live": "polite" });
  const steps = STEPS.map(([title, questions]) =>
    h("div", { class: "stack", role: "group", "aria-label": title }, h("h2", { text: title }), ...questions.map((q) => question(q, profile))));
  let at = 0;
  const back = h("button", { type: "button", text: "Back" });
  const nextButton = h("button", { type: "submit", class: "primary" });
  const skip = h("button", { type: "button", text: "Skip for now" });
  function showStep() {
    steps.forEach((step, i) => { step.hidden = i !== at; });
    progress.textContent = `Step ${at + 1} of ${steps.length}`;
    back.hidden = at === 0;
    nextButton.textContent = at === steps.length - 1 ? "Save and start reading" : "Next";
  }
  async function save() {
    showMessage(error, "");
    try {
      session.profile = await api("/api/me/profile", { method: "PATCH", body: read(form) });
      done("profile-saved");
    } catch (err) {
      showMessage(error, friendly(err));
    }
  }
  back.addEventListener("click", () => { at -= 1; showStep(); });
  skip.addEventListener("click", () => done("profile-skipped"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (at < steps.length - 1) {
      at += 1;
      showStep();
      steps[at].querySelector("input, select")?.focus();
    } else {
      save();
    }
  });
  form.append(progress, ...steps, h("div", { class: "actions" }, back, nextButton, skip), error);
  showStep();
  screen(profile && profile.profile_completed ? "Edit your profile" : "Welcome! Tell us about you", h("p", {
    text: "Your answers decide how chapters are adapted: which code language comes first, how much is explained, which setup steps you see. You can change them any time.",
  }), form);
}
