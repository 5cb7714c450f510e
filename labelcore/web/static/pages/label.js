// The labeling page shell: picks the tasks (GET /api/projects/{id}/next, or the selected task ids
// in order) and mounts the labeling engine on each (mountLabeling from /static/editor/engine.js,
// contract in docs/tag_protocol.md §1). The engine draws its own bar (undo, redo, skip, submit),
// saves annotations and drafts through the REST API and fires `labelcore:submitted`; the shell
// then moves on (onNext: false keeps the engine from pulling /next itself).

import { api, el, formatNumber, pageData, replace, showError } from "./common.js";
import { loadEngine } from "./config-editor.js";

const data = pageData();
const project = data.project;
const queue = data.queue;
const root = document.getElementById("labeling-root");
const errorBox = document.getElementById("label-error");
const $ = (id) => document.getElementById(id);

let handle = null;
let task = null;
let position = 0;

function destroy() {
  if (handle) { try { handle.destroy(); } catch { /* nothing left to clean */ } }
  handle = null;
}

function showMessage(state, title, ...body) {
  destroy();
  root.dataset.state = state;
  replace(root, el("div", { class: "done" }, el("h2", {}, title), ...body));
}

function showDone() {
  $("task-title").textContent = "All done";
  $("task-title").hidden = false;
  $("queue-position").textContent = "";
  showMessage("done", queue.mode === "ids" ? "You went through the selected tasks" : "No more tasks to label",
    el("p", { class: "muted" }, "Thanks! Go back to the tasks to review what was labeled."),
    el("a", { class: "btn btn-primary", href: `/projects/${project.id}` }, "Back to tasks"));
}

/** The next task to show, or null when the queue is empty. */
async function nextTask() {
  if (queue.mode === "ids") {
    while (position < queue.ids.length) {
      const id = queue.ids[position];
      if (position === 0 && data.task && data.task.id === id) return data.task;
      try {
        return await api("GET", `/api/tasks/${id}`);
      } catch (error) {
        if (error.status !== 404) throw error;
        position += 1; // deleted meanwhile: go on with the others
      }
    }
    return null;
  }
  try {
    return await api("GET", `/api/projects/${project.id}/next`);
  } catch (error) {
    if (error.status === 404) return null;
    throw error;
  }
}

async function showNext() {
  showError(errorBox, null);
  root.dataset.state = "loading";
  let next;
  try {
    next = await nextTask();
  } catch (error) {
    root.dataset.state = "error";
    showError(errorBox, error);
    return;
  }
  if (!next) showDone();
  else await mount(next);
}

async function mount(next) {
  task = next;
  $("task-title").textContent = `Task #${task.id}`;
  $("task-title").hidden = false;
  $("queue-position").textContent = queue.mode === "ids"
    ? `${formatNumber(position + 1)} of ${formatNumber(queue.ids.length)}` : "";
  if (!data.config) {
    showMessage("no-config", "This project has no labeling interface yet",
      el("a", { class: "btn btn-primary", href: `/projects/${project.id}/settings` }, "Set it up in the settings"));
    return;
  }
  const engine = await loadEngine();
  destroy();
  if (!engine || typeof engine.mountLabeling !== "function") {
    showMessage("engine-missing", "The labeling engine is not installed",
      el("p", { class: "muted" }, "This page needs /static/editor/engine.js."));
    return;
  }
  const mine = (task.annotations || []).find((item) =>
    (item.completed_by?.id ?? item.completed_by) === data.user.id && !item.was_cancelled) || null;
  const drafts = (task.drafts || []).filter((draft) => mine ? draft.annotation === mine.id : !draft.annotation);
  const target = el("div", { id: "labeling-mount" });
  replace(root, target);
  root.dataset.state = "labeling";
  $("task-title").hidden = true; // the engine's own bar names the task
  try {
    handle = engine.mountLabeling(target, {
      config: data.config,
      task,
      annotation: mine,
      predictions: task.predictions || [],
      draft: drafts.length ? drafts[drafts.length - 1] : null,
      user: data.user,
      project,
      mode: "label",
      onNext: false,
    });
  } catch (error) {
    root.dataset.state = "error";
    showError(errorBox, { message: `The labeling interface failed to start: ${error.message || error}` });
  }
}

root.addEventListener("labelcore:submitted", (event) => {
  const { cancelled } = event.detail || {};
  const updated = !cancelled && task && (task.annotations || []).some((item) =>
    (item.completed_by?.id ?? item.completed_by) === data.user.id && !item.was_cancelled);
  // an update in the stream stays on its task (the engine says so); anything else moves on
  if (updated && queue.mode !== "ids") return;
  position += 1;
  showNext();
});

showNext();
