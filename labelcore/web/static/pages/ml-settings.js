// The settings page's Model section: the project's ML backends (GET /api/ml/?project=ID) with
// their state, version and error; adding one (a Label Studio ML server by URL, or an installed
// model plugin with a form built from its settings schema, GET /api/ml/backends); testing,
// training, editing and removing it; and the project's prediction options.
//
// Server messages and model output are shown as text nodes only.

import { api, el, openDialog, pageData, replace, showError, toast } from "./common.js";
import { schemaFields, readSchemaFields } from "./schema-form.js";

const project = pageData().project;
const $ = (id) => document.getElementById(id);
const REMOTE = "remote";
const STATES = {
  CO: ["Connected", "badge-success"],
  DI: ["Disconnected", ""],
  ER: ["Error", "badge-danger"],
  TR: ["Training", "badge-primary"],
  PR: ["Predicting", "badge-primary"],
};
const BUSY_STATES = new Set(["TR", "PR"]);

let kinds = [];         // GET /api/ml/backends
let backends = [];      // GET /api/ml/?project=ID
let editing = null;     // the backend the dialog edits, or null when adding
let shownSettings = {}; // the plugin settings the form was filled with
let polling = null;

const kindOf = (id) => kinds.find((kind) => kind.id === id);
// a Label Studio ML server's fields of its own in the form; its other settings come from its schema
const REMOTE_FIELDS = ["url", "auth_method", "basic_auth_user", "basic_auth_pass", "extra_params", "timeout"];

/** The settings schema the form shows for a kind. */
function formSchema(id) {
  const schema = kindOf(id)?.settings_schema;
  if (id !== REMOTE || !schema?.properties) return schema;
  const properties = Object.fromEntries(Object.entries(schema.properties).filter(([name]) => !REMOTE_FIELDS.includes(name)));
  return { ...schema, properties, required: (schema.required || []).filter((name) => name in properties) };
}

function kindTitle(id) {
  if (id === REMOTE) return "Label Studio ML backend";
  return kindOf(id)?.title || id;
}

// ------------------------------------------------------------------ the list

function stateBadge(backend) {
  const [text, cls] = STATES[backend.state] || [backend.readable_state || backend.state || "Unknown", ""];
  return el("span", { class: `badge ${cls}`, "data-ml-state": backend.state || "" }, text);
}

function canTrain(backend) {
  return Boolean(kindOf(backend.backend)?.can_train);
}

function backendItem(backend) {
  const result = el("div", { class: "ml-test-result", role: "status", hidden: true });
  const run = (action) => async (event) => {
    event.target.disabled = true;
    try { await action(result); } finally { event.target.disabled = false; }
  };
  return el("li", { class: "ml-item", "data-ml-id": backend.id },
    el("div", { class: "grow" },
      el("div", { class: "row row-wrap" },
        el("strong", { class: "ml-title" }, backend.title || `Model #${backend.id}`),
        stateBadge(backend),
        el("span", { class: "muted small" }, kindTitle(backend.backend || REMOTE),
          backend.backend === REMOTE || !backend.backend ? ` · ${backend.url || ""}` : "")),
      el("div", { class: "muted small ml-version" },
        backend.model_version ? `Model version: ${backend.model_version}` : "No model version reported yet"),
      backend.error_message
        ? el("div", { class: "alert alert-error ml-item-error", role: "alert" },
          el("strong", {}, "The model reported a problem: "), el("span", {}, backend.error_message),
          el("div", { class: "small" }, backend.backend === REMOTE || !backend.backend
            ? "Check that the server runs and this machine can reach its URL, then test again or edit the URL."
            : "Check the model's settings (Edit), then test again."))
        : null,
      result),
    el("div", { class: "row ml-actions" },
      el("button", { class: "btn btn-sm", type: "button", onclick: run((box) => testBackend(backend, box)) }, "Test"),
      canTrain(backend)
        ? el("button", { class: "btn btn-sm", type: "button", onclick: run((box) => trainBackend(backend, box)) }, "Train")
        : null,
      el("button", { class: "btn btn-sm", type: "button", onclick: () => openForm(backend) }, "Edit"),
      el("button", { class: "btn btn-sm btn-danger", type: "button", onclick: () => askDelete(backend) }, "Delete")));
}

function renderList() {
  const list = $("ml-list");
  list.setAttribute("aria-busy", "false");
  if (!backends.length) {
    replace(list, el("li", { class: "ml-empty muted" },
      "No model is connected. Add one to pre-label tasks and to pick the next task by the model's uncertainty."));
    return;
  }
  replace(list, backends.map(backendItem));
}

async function loadBackends() {
  try {
    backends = await api("GET", `/api/ml?project=${project.id}`);
    showError($("ml-error"), null);
  } catch (error) {
    showError($("ml-error"), error);
    backends = [];
  }
  renderList();
  loadVersions();
  clearTimeout(polling);
  if (backends.some((backend) => BUSY_STATES.has(backend.state))) polling = setTimeout(loadBackends, 2000);
}

// ------------------------------------------------------------------ per backend

function showResult(box, kind, ...content) {
  box.className = `ml-test-result alert alert-${kind}`;
  replace(box, ...content);
  box.hidden = false;
}

function describeTest(answer) {
  const items = Array.isArray(answer?.prediction?.result) ? answer.prediction.result.length : 0;
  const score = typeof answer?.prediction?.score === "number" ? `, score ${answer.prediction.score.toFixed(2)}` : "";
  return `The model answered on the first task: ${items} region${items === 1 ? "" : "s"}${score}.`;
}

async function testBackend(backend, box) {
  showResult(box, "info", "Asking the model for a prediction…");
  try {
    const answer = await api("POST", `/api/ml/${backend.id}/predict/test`);
    showResult(box, "success", describeTest(answer),
      el("details", {}, el("summary", {}, "Answer"), el("pre", { class: "ml-answer" }, JSON.stringify(answer, null, 2).slice(0, 20000))));
  } catch (error) {
    showResult(box, "error", el("strong", {}, "Test failed: "), error.message);
  }
}

async function trainBackend(backend, box) {
  showResult(box, "info", "Starting training…");
  try {
    await api("POST", `/api/ml/${backend.id}/train`);
    showResult(box, "success", "Training started. The state and version update when it finishes.");
  } catch (error) {
    showResult(box, "error", el("strong", {}, "Training could not start: "), error.message);
  }
  loadBackendsSoon();
}

function loadBackendsSoon() {
  clearTimeout(polling);
  polling = setTimeout(loadBackends, 1000);
}

function askDelete(backend) {
  editing = backend;
  $("ml-delete-text").textContent = `Disconnect “${backend.title || `Model #${backend.id}`}” from this project? ` +
    "Its predictions stay on the tasks.";
  openDialog($("ml-delete-dialog"));
}

$("ml-confirm-delete").addEventListener("click", async () => {
  const backend = editing;
  $("ml-delete-dialog").close();
  try {
    await api("DELETE", `/api/ml/${backend.id}`);
    toast("Model removed", "success");
  } catch (error) {
    toast(error.message, "error");
  }
  loadBackends();
});

// ------------------------------------------------------------------ model versions

async function loadVersions() {
  const select = $("model-version");
  const found = new Set();
  for (const backend of backends) if (backend.model_version) found.add(backend.model_version);
  const answers = await Promise.all(backends.map((backend) =>
    api("GET", `/api/ml/${backend.id}/versions`).catch(() => null)));
  for (const answer of answers) {
    const list = Array.isArray(answer) ? answer : answer?.versions || [];
    for (const item of list) {
      const version = typeof item === "string" ? item : item?.model_version || item?.version;
      if (version) found.add(String(version));
    }
  }
  const chosen = select.value || project.model_version || "";
  if (chosen) found.add(chosen);
  replace(select, el("option", { value: "" }, "Any (the latest prediction)"),
    [...found].sort().map((version) => el("option", { value: version, selected: version === chosen }, version)));
}

$("ml-options-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  showError($("ml-options-error"), null);
  const every = Number(form.min_annotations_to_start_training.value || 0);
  if (!Number.isInteger(every) || every < 0) {
    showError($("ml-options-error"), { message: "Train after every N annotations must be a whole number of at least 0." });
    return;
  }
  $("save-ml-options").disabled = true;
  try {
    const saved = await api("PATCH", `/api/projects/${project.id}`, {
      evaluate_predictions_automatically: form.evaluate_predictions_automatically.checked,
      model_version: form.model_version.value,
      min_annotations_to_start_training: every,
    });
    project.model_version = saved.model_version;
    $("ml-options-status").textContent = "Saved";
    toast("Prediction settings saved", "success");
  } catch (error) {
    $("ml-options-status").textContent = "";
    showError($("ml-options-error"), error);
  } finally {
    $("save-ml-options").disabled = false;
  }
});

// ------------------------------------------------------------------ the add / edit dialog

const form = $("ml-form");

function renderKind(values = {}) {
  const id = $("ml-kind").value;
  const remote = id === REMOTE;
  const kind = kindOf(id);
  $("ml-remote-fields").hidden = !remote;
  $("ml-kind-hint").textContent = remote
    ? "A server speaking Label Studio's ML backend protocol (for example one started with labelcore ml serve)."
    : [kind?.can_train ? "Can train on your annotations." : "Predicts only.",
      kind?.interactive ? "Answers interactively while you label." : ""].join(" ").trim();
  const fields = schemaFields(formSchema(id), values);
  try { shownSettings = readSchemaFields(fields, formSchema(id)); } catch { shownSettings = {}; }
  replace($("ml-settings-body"), fields);
  $("ml-settings-fields").hidden = !fields.length;
}

function openForm(backend) {
  editing = backend;
  showError($("ml-form-error"), null);
  $("ml-form-status").textContent = "";
  $("ml-dialog-title").textContent = backend ? `Edit “${backend.title || `Model #${backend.id}`}”` : "Add model";
  $("ml-submit").textContent = backend ? "Save" : "Connect";
  // installed kinds only; a Label Studio ML server (remote) first
  const options = kinds.map((kind) => kind.id).sort((a, b) => (b === REMOTE) - (a === REMOTE));
  replace($("ml-kind"), options.map((id) => el("option", { value: id }, id === REMOTE ? "Label Studio ML backend (URL)" : kindTitle(id))));
  $("ml-kind").value = backend?.backend || (kinds.find((kind) => kind.id !== REMOTE)?.id ?? REMOTE);
  $("ml-kind").disabled = Boolean(backend);
  $("ml-title").value = backend?.title || "";
  $("ml-url").value = backend?.url || "";
  $("ml-auth-user").value = backend?.basic_auth_user || "";
  $("ml-auth-pass").value = "";
  $("ml-auth-pass").placeholder = backend?.basic_auth_pass_is_set ? "unchanged" : "";
  $("ml-interactive").checked = Boolean(backend?.is_interactive);
  $("ml-auto-update").checked = backend ? backend.auto_update !== false : true;
  renderKind(backend?.settings || {});
  openDialog($("ml-dialog"));
  (backend ? $("ml-title") : $("ml-kind")).focus();
}

function formValues() {
  const id = $("ml-kind").value;
  const values = { project: project.id, backend: id, title: $("ml-title").value.trim(), auto_update: $("ml-auto-update").checked };
  if (id === REMOTE) {
    const url = $("ml-url").value.trim();
    if (!url) throw new Error("Enter the URL of the ML backend server.");
    Object.assign(values, {
      url, basic_auth_user: $("ml-auth-user").value.trim(), is_interactive: $("ml-interactive").checked,
      auth_method: $("ml-auth-user").value.trim() ? "BASIC_AUTH" : "NONE",
    });
    if ($("ml-auth-pass").value) values.basic_auth_pass = $("ml-auth-pass").value;
  } else if (!values.title) {
    values.title = kindTitle(id);
  }
  // only what the user changed: defaults stay the plugin's, stored settings stay as they are
  const current = readSchemaFields($("ml-settings-body"), formSchema(id));
  const changed = Object.entries(current).filter(([name, value]) => JSON.stringify(value) !== JSON.stringify(shownSettings[name]));
  if (changed.length) values.settings = Object.fromEntries(changed);
  if (!values.title) delete values.title;
  return values;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError($("ml-form-error"), null);
  let values;
  try { values = formValues(); } catch (error) {
    showError($("ml-form-error"), { message: error.message });
    return;
  }
  $("ml-submit").disabled = true;
  $("ml-form-status").textContent = editing ? "Saving…" : "Connecting…";
  try {
    if (editing) {
      delete values.project; delete values.backend;
      await api("PATCH", `/api/ml/${editing.id}`, values);
    } else {
      await api("POST", "/api/ml", values);
    }
    $("ml-dialog").close();
    toast(editing ? "Model saved" : "Model connected", "success");
    loadBackends();
  } catch (error) {
    $("ml-form-status").textContent = "";
    showError($("ml-form-error"), error);
  } finally {
    $("ml-submit").disabled = false;
  }
});

$("ml-kind").addEventListener("change", () => renderKind());
$("add-model").addEventListener("click", () => openForm(null));

// ------------------------------------------------------------------ start

async function start() {
  try {
    kinds = await api("GET", "/api/ml/backends");
  } catch (error) {
    kinds = [];
    showError($("ml-error"), error);
  }
  await loadBackends();
  $("model").dataset.ready = "true";
}

start();
