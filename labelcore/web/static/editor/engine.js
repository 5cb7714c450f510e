// The labeling engine: mounts the tag modules a labeling config names, keeps the annotation's
// store and saves it. The contract with tag modules is docs/tag_protocol.md.

import { h, flag, ensureStylesheet } from "./dom.js";
import { Store } from "./store.js";
import { Hotkeys } from "./hotkeys.js";
import { resolve, format, expandRepeaters } from "./data.js";
import { labelOptions, assignLabelHotkeys, Palette, safeColor } from "./colors.js";
import { shapeOfType } from "./labels.js";
import { Saver } from "./saver.js";
import { buildChrome } from "./panels.js";
import { visibleWhen } from "./visibility.js";
import { saveAnnotation } from "./submit.js";

/** Mount the labeling interface into `element`; returns a controller (see docs/tag_protocol.md §1). */
export function mountLabeling(element, options) {
  let session = null;
  const controller = {
    get ready() { return session.ready; },
    get store() { return session.store; },
    get errors() { return session.errors; },
    results: () => session.store.toResults(),
    submit: () => session.submit(),
    skip: () => session.skip(),
    undo: () => session.store.undo(),
    redo: () => session.store.redo(),
    destroy: () => session.destroy(),
  };
  const start = (opts) => {
    session = new Session(element, opts, (next) => {
      session.destroy();
      start({ ...opts, task: next, annotation: null, predictions: next.predictions || [],
        draft: (next.drafts || []).find((draft) => !draft.annotation) || null });
    });
  };
  start({ mode: "label", predictions: [], ...options });
  return controller;
}

class Session {
  constructor(element, options, remount) {
    this.element = element;
    this.options = options;
    this.remount = remount;
    this.task = options.task || { id: null, data: {} };
    this.config = { ...options.config, root: expandRepeaters(options.config.root, this.task.data || {}) };
    this.mode = options.mode === "preview" ? "preview" : "label";
    this.readonly = Boolean(options.readonly);
    this.store = new Store();
    this.errors = [];
    this.entries = [];
    this.named = new Map();
    this.active = new Map(); // labels control -> labels picked for drawing
    this.listeners = new Map();
    this.labelsByControl = new Map();
    this.palette = new Palette();
    this.relationFrom = null;
    this.startedAt = performance.now();
    this.ready = this._start().catch((error) => {
      this._fail(error);
      throw error;
    });
    this.ready.catch(() => {}); // reported on the page; callers awaiting `ready` still see the error
  }

  // ------------------------------------------------------------------ startup

  async _start() {
    this.element.replaceChildren();
    this.element.dataset.state = "loading";
    await ensureStylesheet(new URL("./editor.css", import.meta.url));
    if (this.destroyed) return;
    this.chrome = buildChrome(this);
    this.element.append(this.chrome.root);
    this.hotkeys = new Hotkeys(this.chrome.root);
    this.engine = this._engineApi();
    const modules = await this._importModules();
    if (this.destroyed) return;
    for (const module of modules.values()) if (module && module.resultTypes) this.store.addTypes(module.resultTypes);
    this._collectLabels();
    this._mountNode(this.config.root, this.chrome.main, modules);
    this._bindHotkeys();
    for (const entry of this.entries) this._call(entry, "connect");
    await Promise.all(this.entries.map((entry) => entry.instance && entry.instance.ready)
      .filter(Boolean).map((promise) => Promise.resolve(promise).catch((error) =>
        this._error(`a tag failed to load its data: ${error.message}`, error))));
    if (this.destroyed) return;
    this._loadResults();
    if (!this.options.annotation && !this.options.draft) {
      for (const entry of this.entries) this._call(entry, "defaults");
    }
    this.store.resetHistory();
    this.saver = new Saver(this);
    this.unsubscribe = this.store.subscribe((event) => this._changed(event));
    this._refresh();
    this.element.dataset.state = "ready";
    this.element.dispatchEvent(new CustomEvent("labelcore:ready", { bubbles: true }));
  }

  async _importModules() {
    const urls = new Set();
    const visit = (node) => {
      if (node.module) urls.add(node.module);
      node.children.forEach(visit);
    };
    visit(this.config.root);
    const modules = new Map();
    await Promise.all([...urls].map(async (url) => {
      try {
        modules.set(url, await import(url));
      } catch (error) {
        this._error(`could not load ${url}: ${error.message}`, error);
        modules.set(url, null);
      }
    }));
    return modules;
  }

  _collectLabels() {
    const controls = [];
    const visit = (node) => {
      if (node.kind === "control" && (node.children.some((child) => child.tag === "Label") ||
          (/Labels$/.test(node.tag) && node.attrs.value))) controls.push(node);
      node.children.forEach(visit);
    };
    visit(this.config.root);
    for (const node of controls) {
      this.labelsByControl.set(node.name, labelOptions(node, this.task.data, this.palette));
    }
    assignLabelHotkeys([...this.labelsByControl.values()], this.config.root);
  }

  _mountNode(node, parent, modules) {
    if (node.kind === "child") return null;
    const el = h("div", { class: `lc-tag lc-tag-${node.tag.toLowerCase()}`, "data-tag": node.tag,
      "data-name": node.name || null });
    parent.append(el);
    const ctx = this._ctx(node, el, modules);
    const entry = { node, el, ctx, instance: null };
    this.entries.push(entry);
    if (node.name) this.named.set(node.name, entry);
    const module = node.module ? modules.get(node.module) : undefined;
    try {
      if (module && typeof module.mount === "function") {
        entry.instance = module.mount(node, ctx) || {};
      } else if (node.kind === "visual" || (module === undefined && node.kind !== "object" && node.kind !== "control")) {
        ctx.mountChildren(el);
      } else if (module === undefined) {
        el.append(h("div", { class: "lc-warning" }, `<${node.tag}> has no browser renderer installed.`));
      } else {
        el.append(h("div", { class: "lc-warning" }, `<${node.tag}> could not be loaded.`));
      }
    } catch (error) {
      this._error(`<${node.tag}${node.name ? ` name="${node.name}"` : ""}> failed to render: ${error.message}`, error);
      el.append(h("div", { class: "lc-warning" }, `<${node.tag}> failed to render: ${error.message}`));
    }
    return entry;
  }

  _ctx(node, el, modules) {
    const data = this.task.data || {};
    return {
      el,
      node,
      task: this.task,
      mode: this.mode,
      readonly: this.readonly,
      store: this.store,
      engine: this.engine,
      h,
      resolve: (value) => resolve(data, value),
      format: (text) => format(data, text),
      mountChildren: (target = el, nodes = node.children) => {
        for (const child of nodes) this._mountNode(child, target, modules);
      },
    };
  }

  _loadResults() {
    const { annotation, draft, predictions } = this.options;
    if (draft && Array.isArray(draft.result)) {
      this.store.load(draft.result, "manual");
      this.chrome.status(draft.result.length ? "Restored your draft" : "");
    } else if (annotation && Array.isArray(annotation.result)) {
      this.store.load(annotation.result, "manual");
    } else if (predictions && predictions.length) {
      const wanted = this.options.project && this.options.project.model_version;
      const prediction = predictions.find((p) => wanted && p.model_version === wanted) || predictions[0];
      this.prediction = prediction;
      this.store.load(prediction.result || [], "prediction");
      this.chrome.status(`Pre-annotated${prediction.model_version ? ` by ${prediction.model_version}` : ""}`);
    }
  }

  // ------------------------------------------------------------------ engine services for tags

  _engineApi() {
    const session = this;
    return {
      hotkeys: this.hotkeys,
      store: this.store,
      tag: (name) => (this.named.get(name) || {}).instance || null,
      node: (name) => (this.named.get(name) || {}).node || null,
      controlsFor: (objectName) => this.entries
        .filter((entry) => entry.node.kind === "control" && targetsOf(entry.node).includes(objectName))
        .map((entry) => ({ node: entry.node, instance: entry.instance })),
      labels: (controlName) => this.labelsByControl.get(controlName) || [],
      labelColor: (controlName, value) => {
        const option = (this.labelsByControl.get(controlName) || []).find((o) => o.result === value || o.value === value);
        return option ? option.color : this.palette.color(value);
      },
      colorOf: (region) => this._colorOf(region),
      activeLabels: (objectName) => [...this.active.entries()]
        .filter(([name, labels]) => labels.length && (objectName === undefined ||
          targetsOf(this.named.get(name).node).includes(objectName)))
        .map(([name, labels]) => ({ control: name, type: this.named.get(name).node.tag.toLowerCase(), labels })),
      setActiveLabels: (controlName, labels) => this._setActive(controlName, labels),
      createRegion: (objectName, spec) => this._createRegion(objectName, spec),
      startRelation: (regionId) => this._startRelation(regionId),
      on: (event, fn) => {
        if (!this.listeners.has(event)) this.listeners.set(event, new Set());
        this.listeners.get(event).add(fn);
        return () => this.listeners.get(event).delete(fn);
      },
      emit: (event, detail) => this._emit(event, detail),
      notify: (message) => this.chrome.toast(message),
      get relationMode() { return session.relationFrom !== null; },
    };
  }

  _emit(event, detail) {
    for (const fn of this.listeners.get(event) || []) {
      try {
        fn(detail);
      } catch (error) {
        this._error(`${event} listener failed: ${error.message}`, error);
      }
    }
  }

  _setActive(controlName, labels) {
    const node = (this.named.get(controlName) || {}).node;
    if (!node) return;
    const type = node.tag.toLowerCase();
    if (labels.length && shapeOfType(type)) {
      // picking a RectangleLabels label puts away the labels of other shapes on the same object
      for (const [other] of this.active) {
        const otherNode = this.named.get(other).node;
        const otherType = otherNode.tag.toLowerCase();
        if (other !== controlName && shapeOfType(otherType) && shapeOfType(otherType) !== shapeOfType(type) &&
            targetsOf(otherNode).some((target) => targetsOf(node).includes(target))) {
          this.active.set(other, []);
        }
      }
    }
    this.active.set(controlName, [...labels]);
    this._emit("tool", { control: controlName, labels });
    this._refresh();
  }

  _createRegion(objectName, { geometry, control = null, meta = {}, origin = "manual" }) {
    if (this.readonly) return null;
    const items = {};
    const controlNode = control ? (this.named.get(control) || {}).node : null;
    if (controlNode) {
      const type = controlNode.tag.toLowerCase();
      if (this.labelsByControl.has(control)) {
        const labels = this.active.get(control) || [];
        if (!labels.length && !flag(controlNode.attrs.allowEmpty)) {
          this.chrome.toast("Pick a label first");
          return null;
        }
        items[control] = { type, value: { [type]: [...labels] } };
      } else {
        items[control] = { type, value: {} };
      }
    }
    for (const { control: name, type, labels } of this.engine.activeLabels(objectName)) {
      if (name !== control && !shapeOfType(type)) items[name] = { type, value: { [type]: [...labels] } };
    }
    if (!Object.keys(items).length) {
      this.chrome.toast("Pick a label first");
      return null;
    }
    return this.store.addRegion({ object: objectName, geometry, items, meta, origin });
  }

  _colorOf(region) {
    for (const [name, item] of Object.entries(region.items)) {
      const labels = item.value && item.value[item.type];
      if (Array.isArray(labels) && labels.length && typeof labels[0] === "string") {
        return this.engine.labelColor(name, labels[0]);
      }
    }
    for (const name of Object.keys(region.items)) {
      const node = (this.named.get(name) || {}).node;
      const color = node && (safeColor(node.attrs.strokeColor) || safeColor(node.attrs.fillColor));
      if (color) return color;
    }
    return "#f48a42";
  }

  /** Whether any control of the config creates regions (labels palettes, shape tools). */
  drawsRegions() {
    return this.entries.some(({ node }) => node.kind === "control" && (this.labelsByControl.has(node.name) ||
      (this.store.typeSpec(node.tag.toLowerCase()) || {}).region));
  }

  // ------------------------------------------------------------------ relations

  _startRelation(regionId) {
    if (!regionId || !this.store.region(regionId)) {
      this.chrome.toast("Select a region to link from");
      return;
    }
    this.relationFrom = regionId;
    this.chrome.root.classList.add("lc-linking");
    this.chrome.banner("Click the region to link to (Esc cancels)");
    this._emit("relation", { from: regionId });
  }

  _endRelation() {
    this.relationFrom = null;
    this.chrome.root.classList.remove("lc-linking");
    this.chrome.banner(null);
    this._emit("relation", { from: null });
  }

  // ------------------------------------------------------------------ hotkeys

  _bindHotkeys() {
    const bind = (combo, handler, description) => this.hotkeys.bind(combo, handler, { description, stack: true });
    if (this.mode === "label" && !this.readonly) {
      bind("ctrl+enter, meta+enter", () => { this.submit(); }, this.options.annotation ? "Update" : "Submit");
      bind("ctrl+space", () => (this.canSkip() ? void this.skip() : false), "Skip");
    }
    bind("ctrl+z, meta+z", () => { this.store.undo(); }, "Undo");
    bind("ctrl+shift+z, meta+shift+z, ctrl+y", () => { this.store.redo(); }, "Redo");
    bind("backspace, delete", () => this._deleteSelected(), "Delete the selected region");
    bind("escape", () => {
      if (this.relationFrom) this._endRelation();
      else if (this.store.selectedId) this.store.select(null);
      else return false;
    }, "Unselect");
    bind("alt+h", () => this._toggleSelected("hidden"), "Hide the selected region");
    bind("alt+l", () => this._toggleSelected("locked"), "Lock the selected region");
    bind("alt+r", () => this._startRelation(this.store.selectedId), "Link the selected region to another");
    bind("shift+/", () => this.chrome.toggleKeys(), "Show these shortcuts (?)");
  }

  _deleteSelected() {
    const region = this.store.selected();
    if (!region || this.readonly) return false;
    if (region.locked) {
      this.chrome.toast("The region is locked");
      return;
    }
    this.store.removeRegion(region.id);
  }

  _toggleSelected(flagName) {
    const region = this.store.selected();
    if (!region) return false;
    this.store.toggle(region.id, flagName);
  }

  // ------------------------------------------------------------------ updates

  _changed(event) {
    if (event.kind === "select" && this.relationFrom && this.store.selectedId &&
        this.store.selectedId !== this.relationFrom) {
      const from = this.relationFrom;
      const to = this.store.selectedId;
      this._endRelation();
      this.store.select(null);
      this.store.addRelation(from, to);
      return;
    }
    if (event.kind === "select") this._emit("select", this.store.selectedId);
    this._refresh();
    if (!event.transient && ["region", "classification", "relation", "history"].includes(event.kind)) {
      this.saver.schedule();
    }
  }

  _refresh() {
    for (const entry of this.entries) {
      this._visibility(entry);
      this._call(entry, "update");
    }
    this.chrome.update();
  }

  _visibility(entry) {
    const attrs = entry.node.attrs;
    let visible = true;
    if (flag(attrs.perRegion)) {
      const region = this.store.selected();
      visible = Boolean(region && targetsOf(entry.node).includes(region.object));
    }
    if (visible && attrs.visibleWhen) visible = visibleWhen(attrs, this.store, [...this.named.keys()]);
    entry.el.classList.toggle("lc-rule-hidden", !visible);
  }

  _call(entry, method, ...args) {
    const fn = entry.instance && entry.instance[method];
    if (typeof fn !== "function") return undefined;
    try {
      return fn.apply(entry.instance, args);
    } catch (error) {
      this._error(`<${entry.node.tag}> ${method}() failed: ${error.message}`, error);
      return undefined;
    }
  }

  _error(message, error) {
    this.errors.push(message);
    console.error(message, error);
  }

  _fail(error) {
    this.element.dataset.state = "error";
    this.element.append(h("div", { class: "lc-warning" }, `The labeling interface failed to start: ${error.message}`));
  }

  // ------------------------------------------------------------------ saving

  leadTime() {
    const before = Number((this.options.draft || this.options.annotation || {}).lead_time) || 0;
    return Math.round((before + (performance.now() - this.startedAt) / 1000) * 1000) / 1000;
  }

  canSkip() {
    const project = this.options.project || {};
    return !this.options.annotation && project.show_skip_button !== false;
  }

  validate() {
    for (const entry of this.entries) this._call(entry, "beforeSubmit");
    const problems = [];
    for (const entry of this.entries) {
      const node = entry.node;
      if (node.kind === "control" && flag(node.attrs.required) && !entry.el.closest(".lc-rule-hidden, [hidden]")) {
        if (!this._hasResult(node)) problems.push(node.attrs.requiredMessage || `"${node.name}" is required`);
      }
      problems.push(...(this._call(entry, "validate") || []));
    }
    return problems;
  }

  _hasResult(node) {
    if (flag(node.attrs.perRegion)) {
      const regions = this.store.regions().filter((region) => targetsOf(node).includes(region.object));
      return regions.every((region) => node.name in region.items);
    }
    if (this.store.classification(node.name)) return true;
    return this.store.regions().some((region) => node.name in region.items);
  }

  async submit() {
    if (this.mode !== "label" || this.readonly || this.busy) return null;
    const problems = this.validate();
    if (problems.length) {
      this.chrome.toast(problems.join(" · "), "error");
      return null;
    }
    return this._save(false);
  }

  async skip() {
    if (this.mode !== "label" || this.readonly || this.busy || !this.canSkip()) return null;
    return this._save(true);
  }

  _save(cancelled) {
    return saveAnnotation(this, cancelled);
  }

  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.saver) this.saver.stop();
    if (this.unsubscribe) this.unsubscribe();
    for (const entry of this.entries) this._call(entry, "destroy");
    if (this.hotkeys) this.hotkeys.destroy();
    if (this.chrome) this.chrome.destroy();
    this.entries = [];
  }
}

export function targetsOf(node) {
  return (node.attrs.toName || "").split(",").map((part) => part.trim()).filter(Boolean);
}
