// The data manager: a project's tasks as a server-paged table (GET /api/tasks with Label Studio's
// query: filters, ordering), with sorting, filters on every column and data field, selection,
// bulk actions (task-actions.js), and the labeling, import and export entry points.
//
// Task data is shown with textContent and <img src> set through the DOM, never as HTML.

import { api, el, formatDate, formatNumber, pageData, replace, showError, toast } from "./common.js";
import { setupExportDialog } from "./export-dialog.js";
import { setupImportDialog } from "./import-dialog.js";
import { setupTaskActions } from "./task-actions.js";

const data = pageData();
const project = data.project;
const users = data.users || {};
const state = { ...data.view };
const selected = new Set();
let current = data.first_page;
let columns = [];
let loading = null;
let editingFilter = false;

const $ = (id) => document.getElementById(id);
const table = $("tasks-table");
const wrap = $("table-wrap");
const errorBox = $("dm-error");

// ------------------------------------------------------------------ columns

const OPERATORS = {
  number: [["equal", "="], ["not_equal", "≠"], ["greater", ">"], ["greater_or_equal", "≥"], ["less", "<"], ["less_or_equal", "≤"]],
  text: [["contains", "contains"], ["not_contains", "does not contain"], ["equal", "is"], ["not_equal", "is not"], ["empty", "is empty"]],
  date: [["greater", "after"], ["less", "before"]],
  user: [["contains", "includes"], ["not_contains", "does not include"], ["empty", "is empty"]],
};

// Data columns: the keys the labeling config reads, then other keys the first tasks carry (so
// extra fields, like a CSV's other columns, can be seen, sorted and filtered too).
const MAX_DATA_COLUMNS = 8;
const seenKeys = [];

function dataKeys() {
  for (const task of current?.tasks || []) {
    for (const key of Object.keys(task.data || {})) if (!seenKeys.includes(key)) seenKeys.push(key);
  }
  const known = data.columns.map((column) => column.key);
  const extra = seenKeys.filter((key) => !known.includes(key)).map((key) => ({ key, type: "text" }));
  return [...data.columns, ...extra].slice(0, Math.max(MAX_DATA_COLUMNS, data.columns.length));
}

function buildColumns() {
  columns = [
    { id: "id", title: "ID", field: "tasks:id", type: "number", cls: "id-col", value: (task) => task.id },
    ...dataKeys().map((column) => ({
      id: `data.${column.key}`, title: column.key, field: `tasks:data.${column.key}`,
      type: "text", display: column.type === "image" ? "image" : "text", value: (task) => task.data?.[column.key],
    })),
    { id: "total_annotations", title: "Annotations", field: "tasks:total_annotations", type: "number", cls: "num", value: (task) => task.total_annotations },
    { id: "total_predictions", title: "Predictions", field: "tasks:total_predictions", type: "number", cls: "num", value: (task) => task.total_predictions },
    { id: "predictions_score", title: "Prediction score", field: "tasks:predictions_score", type: "number", cls: "num", value: (task) => task.predictions_score },
    { id: "predictions_model_versions", title: "Model version", field: "tasks:predictions_model_versions", type: "text", display: "text", fixed: true, value: (task) => task.predictions_model_versions },
    { id: "annotators", title: "Annotators", field: "tasks:annotators", type: "user", sortable: true, value: (task) => task.annotators },
    { id: "created_at", title: "Created", field: "tasks:created_at", type: "date", cls: "nowrap", value: (task) => task.created_at },
  ];
}

const columnByField = (field) => columns.find((column) => column.field === field.replace(/^filter:/, ""));

// ------------------------------------------------------------------ cells

const IMAGE_URL = /^(https?:\/\/|\/(?!\/)|data:image\/)/i;
const IMAGE_FILE = /\.(png|jpe?g|gif|webp|bmp|avif|svg|tiff?)(\?|#|$)/i;

function textOf(value) {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function cell(column, task) {
  const value = column.value(task);
  if (column.id === "id") return el("td", { class: column.cls }, String(value));
  if (column.display === "image" || (column.display === "text" && typeof value === "string" && IMAGE_FILE.test(value) && IMAGE_URL.test(value))) {
    if (typeof value === "string" && IMAGE_URL.test(value)) {
      return el("td", {}, el("img", { class: "thumb", src: value, alt: `${column.title} of task ${task.id}`, loading: "lazy", title: value }));
    }
  }
  if (column.id === "predictions_score") return el("td", { class: column.cls }, value === null || value === undefined ? "" : value.toFixed(2));
  if (column.type === "number") return el("td", { class: column.cls }, formatNumber(value));
  if (column.type === "date") return el("td", { class: column.cls }, formatDate(value));
  if (column.type === "user") {
    const names = (value || []).map((id) => users[id] || `#${id}`);
    return el("td", { class: "cell-text", title: names.join(", ") }, names.join(", "));
  }
  const text = textOf(value);
  return el("td", {
    class: `cell-text${typeof value === "string" ? "" : " cell-json"}`,
    title: text.length > 60 ? text.slice(0, 1000) : null,
  }, text.length > 240 ? `${text.slice(0, 240)}…` : text);
}

// ------------------------------------------------------------------ rendering

function orderingOf(column) {
  if (state.ordering === column.field) return "asc";
  if (state.ordering === `-${column.field}`) return "desc";
  return null;
}

function renderHead() {
  const tasks = current?.tasks || [];
  const allChecked = tasks.length > 0 && tasks.every((task) => selected.has(task.id));
  const someChecked = tasks.some((task) => selected.has(task.id));
  const all = el("input", {
    type: "checkbox", "aria-label": "Select all tasks on this page", checked: allChecked,
    onchange: (event) => {
      for (const task of tasks) event.target.checked ? selected.add(task.id) : selected.delete(task.id);
      renderBody(); renderHead(); renderSelection();
    },
  });
  all.indeterminate = someChecked && !allChecked;
  replace(table.tHead, el("tr", {},
    el("th", { class: "check-col" }, all),
    columns.map((column) => {
      const order = orderingOf(column);
      if (column.fixed) return el("th", { class: column.cls }, column.title);
      return el("th", { class: column.cls, "aria-sort": order ? (order === "asc" ? "ascending" : "descending") : null },
        el("button", {
          type: "button", class: "sort-btn", "data-sort": column.id, "aria-label": `Sort by ${column.title}`,
          onclick: () => sortBy(column),
        }, column.title, el("span", { class: "arrow" }, order === "asc" ? "▲" : order === "desc" ? "▼" : "")));
    })));
}

function renderBody() {
  const tasks = current?.tasks || [];
  if (!tasks.length) {
    const filtered = state.filters.length > 0;
    replace(table.tBodies[0], el("tr", { class: "empty-row" }, el("td", { colspan: columns.length + 1 },
      filtered ? "No task matches these filters." : "No tasks yet. ",
      filtered ? null : el("a", { href: "#", onclick: (event) => { event.preventDefault(); $("open-import").click(); } }, "Import some"))));
    return;
  }
  replace(table.tBodies[0], tasks.map((task) => {
    const checked = selected.has(task.id);
    return el("tr", {
      class: checked ? "selected" : null, "data-task-id": task.id,
      onclick: (event) => {
        if (event.target.closest("input, a, button, label")) return;
        window.location.assign(`/projects/${project.id}/label?task=${task.id}`);
      },
      style: "cursor: pointer",
    },
    el("td", { class: "check-col" }, el("input", {
      type: "checkbox", "aria-label": `Select task ${task.id}`, checked,
      onchange: (event) => {
        event.target.checked ? selected.add(task.id) : selected.delete(task.id);
        event.target.closest("tr").classList.toggle("selected", event.target.checked);
        renderHead(); renderSelection();
      },
    })),
    columns.map((column) => cell(column, task)));
  }));
}

function pageCount() {
  return Math.max(1, Math.ceil((current?.total || 0) / state.page_size));
}

function renderFooter() {
  const total = current?.total || 0;
  const start = total ? (state.page - 1) * state.page_size + 1 : 0;
  const end = Math.min(total, state.page * state.page_size);
  $("page-info").textContent = `${formatNumber(start)}–${formatNumber(end)} of ${formatNumber(total)}`;
  $("page-input").value = state.page;
  $("page-input").max = pageCount();
  $("page-count").textContent = `of ${formatNumber(pageCount())}`;
  $("prev-page").disabled = $("first-page").disabled = state.page <= 1;
  $("next-page").disabled = $("last-page").disabled = state.page >= pageCount();
  const count = (n, word) => `${formatNumber(n)} ${word}${n === 1 ? "" : "s"}`;
  $("totals").textContent = `${count(total, "task")} · ${count(current?.total_annotations ?? 0, "annotation")} · ` +
    count(current?.total_predictions ?? 0, "prediction");
}

function renderSelection() {
  const count = selected.size;
  $("selection-info").textContent = count ? `${formatNumber(count)} selected` : "No task selected";
  $("selection-info").classList.toggle("muted", !count);
  $("label-selected").disabled = !count;
  $("delete-selected").disabled = !count;
}

function render() {
  buildColumns();
  renderHead();
  renderBody();
  renderFooter();
  renderSelection();
  renderFilters();
}

// ------------------------------------------------------------------ loading

function queryParam() {
  return JSON.stringify({
    filters: { conjunction: "and", items: state.filters },
    ordering: state.ordering ? [state.ordering] : [],
  });
}

function syncUrl() {
  const params = new URLSearchParams();
  if (state.page > 1) params.set("page", state.page);
  if (state.page_size !== 30) params.set("page_size", state.page_size);
  if (state.ordering) params.set("ordering", state.ordering);
  if (state.filters.length) params.set("filters", JSON.stringify(state.filters));
  const search = params.toString();
  history.replaceState(null, "", `${location.pathname}${search ? `?${search}` : ""}`);
}

async function load() {
  loading?.abort();
  const controller = new AbortController();
  loading = controller;
  wrap.classList.add("busy");
  table.setAttribute("aria-busy", "true");
  const params = new URLSearchParams({ project: project.id, page: state.page, page_size: state.page_size, query: queryParam() });
  try {
    current = await api("GET", `/api/tasks?${params}`, undefined, { signal: controller.signal });
    showError(errorBox, null);
  } catch (error) {
    if (error.name === "AbortError") return;
    if (error.status === 404 && state.page > 1) { state.page = 1; return load(); }
    showError(errorBox, error);
    current = { tasks: [], total: 0, total_annotations: 0, total_predictions: 0 };
  } finally {
    if (loading === controller) {
      loading = null;
      wrap.classList.remove("busy");
      table.setAttribute("aria-busy", "false");
    }
  }
  if (state.page > pageCount()) { state.page = pageCount(); return load(); }
  syncUrl();
  render();
}

function goTo(page) {
  state.page = Math.min(Math.max(1, page), pageCount());
  load();
}

function sortBy(column) {
  const order = orderingOf(column);
  state.ordering = order === null ? column.field : order === "asc" ? `-${column.field}` : "";
  state.page = 1;
  load();
}

// ------------------------------------------------------------------ filters

function describe(item) {
  const column = columnByField(item.filter);
  const operator = (OPERATORS[column?.type || "text"] || []).find(([id]) => id === item.operator);
  let value = item.value;
  if (item.operator === "empty") return `${column?.title || item.filter} ${value ? "is empty" : "is not empty"}`;
  if (column?.type === "user") value = users[value] || `#${value}`;
  if (column?.type === "date") value = formatDate(value);
  return `${column?.title || item.filter} ${operator ? operator[1] : item.operator} ${typeof value === "string" ? `“${value}”` : value}`;
}

function renderFilters() {
  replace($("filter-chips"), state.filters.map((item, index) => el("span", { class: "filter-chip", "data-filter-index": index },
    describe(item),
    el("button", {
      type: "button", "aria-label": `Remove filter ${describe(item)}`,
      onclick: () => {
        state.filters = state.filters.filter((other) => other !== item);
        state.page = 1;
        renderFilters();
        load();
      },
    }, "×"))));
}

function valueInput(column, operator) {
  if (operator === "empty") {
    return el("select", { class: "select input-sm", name: "value" }, el("option", { value: "true" }, "yes"), el("option", { value: "false" }, "no"));
  }
  if (column.type === "user") {
    return el("select", { class: "select input-sm", name: "value" },
      Object.entries(users).map(([id, name]) => el("option", { value: id }, name)));
  }
  if (column.type === "date") return el("input", { class: "input input-sm", name: "value", type: "datetime-local", required: true });
  if (column.type === "number") return el("input", { class: "input input-sm", name: "value", type: "number", step: "any", required: true, placeholder: "0" });
  return el("input", { class: "input input-sm", name: "value", type: "text", placeholder: "value" });
}

function openFilterEditor() {
  const box = $("filter-editor");
  if (editingFilter) { box.hidden = true; editingFilter = false; return; }
  editingFilter = true;
  const columnSelect = el("select", { class: "select input-sm", name: "column", "aria-label": "Filter column" },
    columns.filter((column) => !column.fixed).map((column) => el("option", { value: column.field }, column.title)));
  const operatorSelect = el("select", { class: "select input-sm", name: "operator", "aria-label": "Filter operator" });
  const valueSlot = el("span", {});
  const refreshOperators = () => {
    const column = columnByField(columnSelect.value);
    replace(operatorSelect, OPERATORS[column.type].map(([id, label]) => el("option", { value: id }, label)));
    refreshValue();
  };
  const refreshValue = () => {
    replace(valueSlot, valueInput(columnByField(columnSelect.value), operatorSelect.value));
    valueSlot.firstChild.setAttribute("aria-label", "Filter value");
  };
  columnSelect.addEventListener("change", refreshOperators);
  operatorSelect.addEventListener("change", refreshValue);
  const form = el("form", {
    class: "filter-row",
    onsubmit: (event) => {
      event.preventDefault();
      const column = columnByField(columnSelect.value);
      const raw = valueSlot.firstChild.value;
      let value = raw;
      if (operatorSelect.value === "empty") value = raw === "true";
      else if (column.type === "number") value = Number(raw);
      else if (column.type === "user") value = Number(raw);
      else if (column.type === "date") value = new Date(raw).toISOString();
      state.filters.push({ filter: `filter:${column.field}`, operator: operatorSelect.value, type: column.type, value });
      state.page = 1;
      box.hidden = true;
      editingFilter = false;
      load();
    },
  }, columnSelect, operatorSelect, valueSlot,
  el("button", { class: "btn btn-sm btn-primary", type: "submit" }, "Apply"),
  el("button", { class: "btn btn-sm btn-ghost", type: "button", onclick: () => { box.hidden = true; editingFilter = false; } }, "Cancel"));
  replace(box, form);
  refreshOperators();
  box.hidden = false;
  valueSlot.firstChild.focus();
}

// ------------------------------------------------------------------ actions

function labelSelected() {
  const ids = [...selected];
  if (ids.length > data.max_selected_in_url) {
    toast(`Label at most ${data.max_selected_in_url} selected tasks at a time, or use “Label all tasks”.`, "error");
    return;
  }
  window.location.assign(`/projects/${project.id}/label?tasks=${ids.join(",")}`);
}

// The project's model pre-labels imported tasks in the background: refresh the table until their
// predictions are counted, or give up after a while (a model error shows in the settings).
const PRELABEL_POLL_MS = 2000;
const PRELABEL_WAIT_MS = 180000;

async function followPrelabels(before, count) {
  const status = $("prelabel-status");
  const until = Date.now() + PRELABEL_WAIT_MS;
  status.hidden = false;
  status.textContent = `Pre-labeling ${formatNumber(count)} task${count === 1 ? "" : "s"}…`;
  while (Date.now() < until && (current?.total_predictions ?? 0) - before < count) {
    await new Promise((resolve) => setTimeout(resolve, PRELABEL_POLL_MS));
    await load();
  }
  status.hidden = true;
}

// ------------------------------------------------------------------ wiring

replace($("page-size"), data.page_sizes.map((size) => el("option", { value: size, selected: size === state.page_size }, size)));
$("page-size").addEventListener("change", (event) => { state.page_size = Number(event.target.value); state.page = 1; load(); });
$("first-page").addEventListener("click", () => goTo(1));
$("prev-page").addEventListener("click", () => goTo(state.page - 1));
$("next-page").addEventListener("click", () => goTo(state.page + 1));
$("last-page").addEventListener("click", () => goTo(pageCount()));
$("page-input").addEventListener("change", (event) => goTo(Number(event.target.value) || 1));
$("add-filter").addEventListener("click", openFilterEditor);
$("label-selected").addEventListener("click", labelSelected);
const actions = setupTaskActions({
  projectId: project.id,
  selection: () => selected,
  total: () => current?.total || 0,
  filters: () => ({ conjunction: "and", items: state.filters }),
  onDone: (actionId) => { if (actionId === "delete_tasks") selected.clear(); load(); },
});
$("delete-selected").addEventListener("click", () => actions.run("delete_tasks"));

setupImportDialog({
  projectId: project.id, button: $("open-import"),
  onImported: async (result) => {
    state.page = 1;
    const before = current?.total_predictions ?? 0;
    await load();
    if (project.evaluate_predictions_automatically && result.task_count && !result.prediction_count) {
      followPrelabels(before, result.task_count);
    }
  },
});
setupExportDialog({ projectId: project.id, button: $("open-export") });

if (data.view_error) showError(errorBox, { message: `This view could not be shown (${data.view_error}); showing all tasks.` });
syncUrl();
render();
document.body.dataset.ready = "true";
