// The data manager's bulk actions on the selected tasks (or all of them): Label Studio's
// POST /api/dm/actions?id=...&project=... with {selectedItems}. An action that runs as a job
// (retrieving predictions) answers with its id; its progress comes from GET /api/jobs/{id}.

import { api, el, formatNumber, openDialog, replace, showError, toast } from "./common.js";

// the actions the menu offers, in order, when the server lists them (GET /api/dm/actions)
const KNOWN = {
  retrieve_tasks_predictions: { title: "Retrieve predictions", running: "Retrieving predictions", confirm: null },
  predictions_to_annotations: { title: "Accept predictions as annotations", running: "Creating annotations",
    confirm: "Create an annotation from the prediction of each task, as yours?" },
  delete_tasks_annotations: { title: "Delete annotations", danger: true, running: "Deleting annotations",
    confirm: "Delete all annotations of these tasks? This cannot be undone." },
  delete_tasks_predictions: { title: "Delete predictions", danger: true, running: "Deleting predictions",
    confirm: "Delete all predictions of these tasks? This cannot be undone." },
  delete_tasks: { title: "Delete tasks", danger: true, running: "Deleting tasks", verb: "Delete",
    confirm: "Delete these tasks with their annotations and predictions? This cannot be undone." },
};
const POLL_MS = 500;
const FINISHED = new Set(["finished", "failed"]);

const $ = (id) => document.getElementById(id);
const plural = (count, word) => `${formatNumber(count)} ${word}${count === 1 ? "" : "s"}`;

/**
 * Wire the Actions menu and the action dialog.
 * @param {object} options projectId; selection() -> Set of selected task ids; total() -> tasks in
 *   the view; filters() -> the view's filters (with no selection, an action applies to all tasks
 *   they let through); onDone(actionId) after an action ran.
 */
export function setupTaskActions({ projectId, selection, total, filters, onDone }) {
  const button = $("actions-button");
  const menu = $("actions-menu");
  const dialog = $("action-dialog");
  const bar = $("action-progress");
  let actions = Object.keys(KNOWN).filter((id) => id !== "delete_tasks").map((id) => ({ id, ...KNOWN[id] }));
  let running = false;

  api("GET", `/api/dm/actions?project=${projectId}`).then((listed) => {
    if (!Array.isArray(listed)) return;
    actions = listed.filter((action) => action.id !== "delete_tasks" && !action.hidden)
      .map((action) => {
        const known = KNOWN[action.id] || {};
        return { ...action, ...known, confirm: "confirm" in known ? known.confirm : action.dialog?.text || null };
      });
    renderMenu();
  }).catch(() => { /* the built-in list stays */ });

  function scope() {
    const ids = [...selection()];
    if (ids.length) return { body: { selectedItems: { all: false, included: ids } }, count: ids.length };
    return { body: { selectedItems: { all: true, excluded: [] }, filters: filters() }, count: total() };
  }

  function renderMenu() {
    const selected = selection().size;
    const target = selected ? plural(selected, "selected task")
      : `${filters().items.length ? "the" : "all"} ${plural(total(), "task")}${filters().items.length ? " the filters show" : ""}`;
    replace(menu, el("div", { class: "small muted", style: "padding: 4px 10px" }, `On ${target}`),
      actions.map((action) => el("button", {
        type: "button", role: "menuitem", class: action.danger ? "danger" : null, "data-action": action.id,
        onclick: () => { closeMenu(); start(action); },
      }, action.title || action.id)));
  }

  function openMenu() {
    renderMenu();
    menu.hidden = false;
    button.setAttribute("aria-expanded", "true");
    menu.querySelector("button")?.focus();
  }

  function closeMenu() {
    menu.hidden = true;
    button.setAttribute("aria-expanded", "false");
  }

  function setProgress(done, count, text) {
    bar.hidden = false;
    const pct = count ? Math.round((100 * Math.min(done, count)) / count) : 0;
    bar.querySelector(".progress > div").style.width = `${pct}%`;
    bar.querySelector(".progress").setAttribute("aria-valuenow", String(pct));
    $("action-progress-count").textContent = count ? `${formatNumber(done)} / ${formatNumber(count)}` : "";
    if (text) $("action-progress-text").textContent = text;
  }

  /** Show the dialog for `action`; resolves when the user confirms (or at once when nothing needs confirming). */
  function confirmAction(action, count) {
    $("action-title").textContent = action.title;
    $("action-text").textContent = action.confirm
      ? `${action.confirm.replace("these tasks", plural(count, "task")).replace("each task", `each of ${plural(count, "task")}`)}`
      : `${action.running || action.title} for ${plural(count, "task")}…`;
    showError($("action-error"), null);
    bar.hidden = true;
    const confirm = $("confirm-action");
    confirm.textContent = action.verb || action.title;
    confirm.className = `btn ${action.danger ? "btn-danger-solid" : "btn-primary"}`;
    confirm.hidden = !action.confirm;
    confirm.disabled = false;
    $("action-close").textContent = action.confirm ? "Cancel" : "Close";
    openDialog(dialog);
    if (!action.confirm) return Promise.resolve(true);
    return new Promise((resolve) => {
      const yes = () => { cleanup(); resolve(true); };
      const no = () => { cleanup(); resolve(false); };
      const cleanup = () => { confirm.removeEventListener("click", yes); dialog.removeEventListener("close", no); };
      confirm.addEventListener("click", yes);
      dialog.addEventListener("close", no);
    });
  }

  async function follow(jobId, action) {
    for (;;) {
      const job = await api("GET", `/api/jobs/${encodeURIComponent(jobId)}`);
      setProgress(job.done ?? 0, job.total ?? 0, `${action.running || action.title}…`);
      if (FINISHED.has(job.state)) return job;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  async function start(action) {
    if (running) return;
    const target = scope();
    if (!target.count) { toast("There are no tasks to act on.", "error"); return; }
    if (!(await confirmAction(action, target.count))) return;
    running = true;
    $("confirm-action").disabled = true;
    setProgress(0, target.count, `${action.running || action.title}…`);
    dialog.dataset.state = "running";
    try {
      const params = new URLSearchParams({ id: action.id, project: projectId });
      const answer = await api("POST", `/api/dm/actions?${params}`, target.body);
      let message = answer?.detail || `${action.title}: ${plural(answer?.processed_items ?? target.count, "task")}`;
      if (answer?.job) {
        const job = await follow(answer.job, action);
        if (job.state === "failed") throw new Error(job.error || `${action.title} failed.`);
        message = `${action.title}: done for ${plural(job.done ?? target.count, "task")}.`;
      } else {
        setProgress(target.count, target.count);
      }
      dialog.dataset.state = "done";
      dialog.close();
      toast(message, "success");
    } catch (error) {
      dialog.dataset.state = "error";
      $("confirm-action").hidden = true;
      $("action-close").textContent = "Close";
      showError($("action-error"), error);
    } finally {
      running = false;
      onDone?.(action.id);
    }
  }

  button.addEventListener("click", () => (menu.hidden ? openMenu() : closeMenu()));
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !event.target.closest(".menu-wrap")) closeMenu();
  });
  menu.addEventListener("keydown", (event) => {
    if (event.key === "Escape") { closeMenu(); button.focus(); }
  });

  /** Run an action by id (the toolbar's "Delete selected" runs delete_tasks). */
  return { run: (id) => start({ id, ...(KNOWN[id] || { title: id }) }) };
}
