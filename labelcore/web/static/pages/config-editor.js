// The labeling-config editor: XML with line numbers, live validation by the server (problems
// listed with their line, the line highlighted) and a live preview through the labeling engine
// (mountLabeling in "preview" mode, on a sample task made from the config's data keys).

import { api, ApiError, debounce, el, replace } from "./common.js";

const LINE_HEIGHT = 19;
const ENGINE_URL = "/static/editor/engine.js";
let enginePromise = null;

/** The labeling engine module, loaded once; null when it is not installed. */
export function loadEngine() {
  if (!enginePromise) enginePromise = import(ENGINE_URL).catch(() => null);
  return enginePromise;
}

function lineOf(message) {
  const match = /\bline (\d+)\b/i.exec(message);
  return match ? Number(match[1]) : null;
}

/**
 * createConfigEditor(root, {xml, validateUrl, user, project, onValidity, stacked})
 * validateUrl: /api/projects/validate (any config) or /api/projects/{id}/validate (fits the project).
 * Returns {get value(), setValue(xml), validate(), get valid()}.
 */
export function createConfigEditor(root, options) {
  const gutter = el("div", { class: "code-gutter", "aria-hidden": "true" });
  const highlights = el("div", { class: "code-highlights", "aria-hidden": "true" });
  const textarea = el("textarea", {
    class: "config-xml", spellcheck: "false", autocomplete: "off", autocapitalize: "off", wrap: "off",
    "aria-label": "Labeling config (XML)", name: "label_config",
  });
  const status = el("div", { class: "validation", "aria-live": "polite" });
  const previewState = el("span", { class: "preview-state" }, "");
  const previewBody = el("div", { class: "preview-body", id: "config-preview", "data-state": "empty" });
  replace(root, el("div", { class: `editor-layout${options.stacked ? " stacked" : ""}` },
    el("div", {},
      el("div", { class: "code-editor" }, gutter, el("div", { class: "code-area" }, highlights, textarea)),
      status),
    el("div", { class: "preview-panel" },
      el("div", { class: "preview-panel-head" }, el("span", {}, "Preview"), previewState),
      previewBody)));

  let errorLines = new Set();
  let valid = null;
  let sequence = 0;
  let handle = null;

  function paintLines() {
    const count = textarea.value.split("\n").length;
    const numbers = [];
    const marks = [];
    for (let line = 1; line <= count; line += 1) {
      const bad = errorLines.has(line);
      numbers.push(el("div", { class: bad ? "error" : null, "data-line": line }, line));
      marks.push(el("div", { class: bad ? "error" : null }));
    }
    gutter.replaceChildren(...numbers);
    highlights.replaceChildren(...marks);
    textarea.style.height = `${Math.max(options.stacked ? 240 : 420, count * LINE_HEIGHT + 16 + 14)}px`;
  }

  function goToLine(line) {
    const lines = textarea.value.split("\n");
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    textarea.focus();
    textarea.setSelectionRange(start, start + (lines[line - 1] || "").length);
    gutter.querySelector(`[data-line="${line}"]`)?.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function setValidity(value) {
    valid = value;
    options.onValidity?.(value);
  }

  function showProblems(problems, warnings = []) {
    errorLines = new Set(problems.map(lineOf).filter(Boolean));
    paintLines();
    const items = [
      ...problems.map((message) => ({ message, kind: "error" })),
      ...warnings.map((message) => ({ message, kind: "warning" })),
    ];
    if (!problems.length) {
      replace(status, el("span", { class: "ok" }, "✓ The config is valid"),
        items.length ? el("ul", { class: "issue-list", style: "margin-top: 6px" }, items.map(issueItem)) : null);
      return;
    }
    replace(status, el("ul", { class: "issue-list", "data-testid": "config-errors" }, items.map(issueItem)));
  }

  function issueItem({ message, kind }) {
    const line = lineOf(message);
    const text = line ? message.replace(/^line \d+:\s*/i, "") : message;
    return el("li", { class: kind === "warning" ? "warning" : null },
      line ? el("button", { type: "button", onclick: () => goToLine(line) }, `Line ${line}`) : null,
      el("span", {}, text));
  }

  async function renderPreview(config, task) {
    const engine = await loadEngine();
    if (handle) { try { handle.destroy(); } catch { /* the old preview is gone either way */ } handle = null; }
    previewBody.replaceChildren();
    if (!engine || typeof engine.mountLabeling !== "function") {
      previewBody.dataset.state = "engine-missing";
      previewState.textContent = "engine not installed";
      previewBody.append(el("div", { class: "preview-note" },
        "The preview needs the labeling engine (", el("code", {}, ENGINE_URL), "), which is not installed."));
      return;
    }
    try {
      const target = el("div", { class: "preview-mount" });
      previewBody.append(target);
      previewBody.dataset.state = "mounting";
      const mounted = engine.mountLabeling(target, {
        config, task, annotation: null, predictions: task.predictions || [], draft: null,
        user: options.user || null, project: options.project || null, mode: "preview",
      });
      handle = mounted;
      await mounted.ready;
      if (handle !== mounted) return; // a newer preview replaced this one meanwhile
      previewBody.dataset.state = "rendered";
      previewState.textContent = "sample task";
    } catch (error) {
      previewBody.dataset.state = "error";
      previewState.textContent = "";
      previewBody.append(el("div", { class: "preview-note" }, `The preview failed: ${error.message || error}`));
    }
  }

  async function validate() {
    const xml = textarea.value;
    const mine = ++sequence;
    replace(status, el("span", { class: "muted" }, "Checking…"));
    try {
      if (options.validateUrl) await api("POST", options.validateUrl, { label_config: xml });
      const preview = await api("POST", "/ui/config-preview", { label_config: xml });
      if (mine !== sequence) return valid;
      showProblems([], preview.warnings || []);
      setValidity(true);
      await renderPreview(preview.config, preview.task);
    } catch (error) {
      if (mine !== sequence) return valid;
      if (!(error instanceof ApiError)) throw error;
      const problems = error.problems.length ? error.problems : [error.message];
      showProblems(problems);
      setValidity(false);
      previewBody.dataset.state = "invalid";
      previewState.textContent = "fix the config to see it";
    }
    return valid;
  }

  const later = debounce(validate, 350);
  textarea.addEventListener("input", () => { setValidity(null); paintLines(); later(); });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Tab" && !event.shiftKey) {
      event.preventDefault();
      textarea.setRangeText("  ", textarea.selectionStart, textarea.selectionEnd, "end");
      textarea.dispatchEvent(new Event("input"));
    }
  });

  function setValue(xml) {
    textarea.value = xml || "";
    errorLines = new Set();
    paintLines();
    return validate();
  }

  setValue(options.xml);
  return {
    get value() { return textarea.value; },
    get valid() { return valid; },
    setValue,
    validate,
    textarea,
  };
}
