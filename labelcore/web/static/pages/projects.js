// The projects page: the "Create project" dialog (name, template gallery grouped by group or a
// custom config, then the config with live validation and preview).

import { api, el, openDialog, pageData, replace, showError } from "./common.js";
import { createConfigEditor } from "./config-editor.js";

const data = pageData();
const gallery = data.gallery || [];
const dialog = document.getElementById("create-dialog");
const errorBox = document.getElementById("create-error");
const titleInput = document.getElementById("project-title");
const descriptionInput = document.getElementById("project-description");
const nextButton = document.getElementById("create-next");
const backButton = document.getElementById("create-back");
const saveButton = document.getElementById("create-save");
const statusText = document.getElementById("create-status");
const steps = ["details", "template", "config"];

const CUSTOM = {
  id: "custom", title: "Custom config", group: "Custom",
  description: "Write the labeling config yourself, in Label Studio's XML.",
  config: "<View>\n  <!-- object tags show task data; control tags label it -->\n  \n</View>\n",
};

let step = "details";
let chosen = null;
let editor = null;

function showStep(name) {
  step = name;
  for (const tab of dialog.querySelectorAll("[data-step]")) tab.setAttribute("aria-selected", String(tab.dataset.step === name));
  for (const panel of dialog.querySelectorAll("[data-panel]")) panel.hidden = panel.dataset.panel !== name;
  backButton.hidden = name === "details";
  nextButton.hidden = name === "config";
  saveButton.hidden = name !== "config";
  nextButton.disabled = name === "template" && !chosen;
  if (name === "config") openConfig();
  if (name === "details") titleInput.focus();
}

function groupsWithCustom() {
  return [...gallery, { group: "Custom", templates: [CUSTOM] }];
}

function renderGallery(activeGroup) {
  const groupsBox = document.getElementById("gallery-groups");
  const itemsBox = document.getElementById("gallery-items");
  const groups = groupsWithCustom();
  const current = groups.find((group) => group.group === activeGroup) || groups[0];
  replace(groupsBox, groups.map((group) => el("button", {
    type: "button", role: "tab", "aria-selected": String(group === current),
    onclick: () => renderGallery(group.group),
  }, `${group.group} `, el("span", { class: "muted" }, `(${group.templates.length})`))));
  replace(itemsBox, current.templates.map((template) => el("button", {
    type: "button", class: "template-card", "aria-pressed": String(chosen?.id === template.id),
    "data-template": template.id,
    onclick: () => {
      chosen = template;
      renderGallery(current.group);
      nextButton.disabled = false;
    },
    ondblclick: () => { chosen = template; showStep("config"); },
  }, el("b", {}, template.title), el("span", {}, template.description || ""))));
}

function openConfig() {
  const template = chosen || CUSTOM;
  if (!editor) {
    editor = createConfigEditor(document.getElementById("create-editor"), {
      xml: template.config, validateUrl: "/api/projects/validate", stacked: true,
      onValidity: (valid) => { saveButton.disabled = valid === false; },
    });
    editor.loadedTemplate = template.id;
  } else if (editor.loadedTemplate !== template.id) {
    editor.setValue(template.config);
    editor.loadedTemplate = template.id;
  }
  statusText.textContent = `Template: ${template.title}`;
}

function next() {
  showError(errorBox, null);
  if (step === "details") {
    if (!titleInput.value.trim()) {
      showError(errorBox, { message: "Give the project a name." });
      titleInput.focus();
      return;
    }
    showStep("template");
  } else if (step === "template") showStep("config");
}

async function create() {
  showError(errorBox, null);
  saveButton.disabled = true;
  statusText.textContent = "Creating…";
  try {
    const project = await api("POST", "/api/projects", {
      title: titleInput.value.trim(), description: descriptionInput.value, label_config: editor.value,
    });
    window.location.assign(`/projects/${project.id}`);
  } catch (error) {
    showError(errorBox, error);
    statusText.textContent = "";
    saveButton.disabled = false;
  }
}

for (const button of document.querySelectorAll("[data-open-create]")) {
  button.addEventListener("click", () => {
    openDialog(dialog);
    renderGallery(gallery[0]?.group);
    showStep("details");
  });
}
for (const tab of dialog.querySelectorAll("[data-step]")) {
  tab.addEventListener("click", () => {
    const target = tab.dataset.step;
    if (target !== "details" && !titleInput.value.trim()) return next();
    showStep(target);
  });
}
nextButton.addEventListener("click", next);
backButton.addEventListener("click", () => showStep(steps[Math.max(0, steps.indexOf(step) - 1)]));
saveButton.addEventListener("click", create);
titleInput.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); next(); } });
