// Shared helpers of the page scripts: the API client (CSRF header on writes), DOM building
// without innerHTML, toasts, formatting. Task data only ever reaches the page as text nodes or
// element attributes set through the DOM, never as HTML.

/** The JSON a page embeds in <script type="application/json" id="page-data">. */
export function pageData() {
  const node = document.getElementById("page-data");
  return node ? JSON.parse(node.textContent) : {};
}

/** The CSRF token (double-submit cookie) that cookie-authenticated writes must echo. */
export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)labelcore_csrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : "";
}

/** An error carrying the server's message and, when it gave them, its list of problems. */
export class ApiError extends Error {
  constructor(status, body) {
    super(errorMessage(body, status));
    this.status = status;
    this.body = body;
    this.problems = errorProblems(body);
  }
}

/** The server's message from an error body (Label Studio's {detail, validation_errors} shape). */
export function errorMessage(body, status) {
  if (body && typeof body === "object") {
    if (typeof body.detail === "string" && body.detail) return body.detail;
    if (Array.isArray(body.detail)) return body.detail.map((item) => item.msg || String(item)).join("; ");
  }
  if (typeof body === "string" && body.trim()) return body.trim().slice(0, 500);
  return `The server answered ${status}.`;
}

/** Every problem listed in an error body, as strings. */
export function errorProblems(body) {
  const found = [];
  const errors = body && typeof body === "object" ? body.validation_errors : null;
  if (Array.isArray(errors)) found.push(...errors.map(String));
  else if (errors && typeof errors === "object") {
    for (const [field, messages] of Object.entries(errors)) {
      for (const message of [].concat(messages)) {
        found.push(field === "non_field_errors" ? String(message) : `${field}: ${message}`);
      }
    }
  }
  return found;
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try { return JSON.parse(text); } catch { return text; }
}

/** fetch() for the API: JSON in and out, the CSRF header on writes, ApiError on failure. */
export async function api(method, url, body, options = {}) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  const init = { method, headers, credentials: "same-origin" };
  if (!["GET", "HEAD"].includes(method)) headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) {
    if (body instanceof FormData || typeof body === "string") init.body = body;
    else { init.body = JSON.stringify(body); headers["Content-Type"] = "application/json"; }
    if (typeof body === "string" && !headers["Content-Type"]) headers["Content-Type"] = "application/json";
  }
  if (options.signal) init.signal = options.signal;
  const response = await fetch(url, init);
  const data = await readBody(response);
  if (response.status === 401) {
    window.location.assign(`/user/login?next=${encodeURIComponent(location.pathname + location.search)}`);
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Build an element: el("a", {href, class: "btn", onclick}, "text", child...). Strings become text nodes. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key in node && typeof value !== "string") node[key] = value;
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function replace(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

/** A short message in the corner. kind: "info" | "success" | "error". */
export function toast(message, kind = "info", ms = 4000) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const item = el("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" }, message);
  box.append(item);
  setTimeout(() => item.remove(), ms);
}

export function debounce(fn, ms) {
  let timer;
  return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
}

const numberFormat = new Intl.NumberFormat("en-US");
export const formatNumber = (value) => numberFormat.format(value ?? 0);

export function formatDate(value) {
  if (!value) return "";
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString("en-US", { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** Open a <dialog>, wiring its [data-close] buttons once. */
export function openDialog(dialog) {
  if (!dialog.dataset.wired) {
    dialog.dataset.wired = "1";
    dialog.querySelectorAll("[data-close]").forEach((button) => button.addEventListener("click", () => dialog.close()));
  }
  if (!dialog.open) dialog.showModal();
}

/** Show an error (message and problems) inside an element, or hide it when error is null. */
export function showError(box, error) {
  if (!error) { box.hidden = true; box.replaceChildren(); return; }
  const problems = error.problems || [];
  replace(box, el("strong", {}, error.message || String(error)),
    problems.length && !(problems.length === 1 && error.message.includes(problems[0]))
      ? el("ul", {}, problems.slice(0, 20).map((problem) => el("li", {}, problem)))
      : null);
  box.hidden = false;
}
