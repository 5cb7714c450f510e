// Project settings: the general form (PATCH /api/projects/{id}), the config editor with live
// validation against the project (POST /api/projects/{id}/validate) and preview, and deletion.

import { api, openDialog, pageData, showError, toast } from "./common.js";
import { createConfigEditor } from "./config-editor.js";

const data = pageData();
const project = data.project;
const $ = (id) => document.getElementById(id);
const form = $("settings-form");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  showError($("settings-error"), null);
  const values = {
    title: form.title.value.trim(),
    description: form.description.value,
    expert_instruction: form.expert_instruction.value,
    show_instruction: form.show_instruction.checked,
    maximum_annotations: Number(form.maximum_annotations.value),
    sampling: form.sampling.value,
    show_skip_button: form.show_skip_button.checked,
  };
  if (!Number.isInteger(values.maximum_annotations) || values.maximum_annotations < 1) {
    showError($("settings-error"), { message: "Annotations per task must be a whole number of at least 1." });
    return;
  }
  $("save-settings").disabled = true;
  $("settings-status").textContent = "Saving…";
  try {
    const saved = await api("PATCH", `/api/projects/${project.id}`, values);
    $("settings-status").textContent = "Saved";
    document.querySelectorAll("#project-name").forEach((node) => { node.textContent = saved.title; });
    toast("Settings saved", "success");
  } catch (error) {
    $("settings-status").textContent = "";
    showError($("settings-error"), error);
  } finally {
    $("save-settings").disabled = false;
  }
});

const editor = createConfigEditor($("config-editor"), {
  xml: project.label_config,
  validateUrl: `/api/projects/${project.id}/validate`,
  user: data.user,
  project,
  onValidity: (valid) => {
    $("save-config").disabled = valid === false;
    $("config-status").textContent = valid === false ? "Fix the problems to save" : "";
  },
});

$("save-config").addEventListener("click", async () => {
  showError($("config-error"), null);
  $("save-config").disabled = true;
  $("config-status").textContent = "Saving…";
  try {
    await api("PATCH", `/api/projects/${project.id}`, { label_config: editor.value });
    $("config-status").textContent = "Saved";
    toast("Labeling config saved", "success");
  } catch (error) {
    $("config-status").textContent = "";
    showError($("config-error"), error);
  } finally {
    $("save-config").disabled = editor.valid === false;
  }
});

$("delete-project").addEventListener("click", () => openDialog($("delete-project-dialog")));
$("confirm-delete-project").addEventListener("click", async () => {
  try {
    await api("DELETE", `/api/projects/${project.id}`);
    window.location.assign("/projects");
  } catch (error) {
    $("delete-project-dialog").close();
    toast(error.message, "error");
  }
});
