// <Image>: shows an image (or a list of them, valueList) with zoom, pan, brightness and contrast,
// and the regions drawn on it. Shape controls (Rectangle, Polygon, ...) plug drawing tools into it
// with addTool(tool) from their connect(). A tool:
//
//   { name, control, shape, title, icon, hotkey,
//     begin(point, view, event) -> session    drawing: {preview, move(p), up(p), down?(p), key?(combo), dblclick?()}
//                                            up/down/key/dblclick return "continue", {geometry, region?} or null
//     clickToDraw?, paintsOver?               a click on another region starts drawing (polygon, point) /
//                                            any press paints (brush); otherwise a click there selects it
//     render(region, view) -> Element         an SVG element (or a canvas) showing the region
//     handles?(region, view) -> [{x, y, key, cursor}]          edit handles of the selected region (pixels)
//     dragHandle?(startGeometry, handle, point, view) -> geometry
//     move?(startGeometry, dx, dy, view) -> geometry          (dx, dy in pixels)
//     hit?(region, point, view) -> bool                        regions drawn outside the SVG (brush)
//     options?(view) -> Element                                extra toolbar controls (brush size) }
//
// `view`: {size: {width, height} (natural pixels), scale (screen px per image px), px(n) (image
// pixels spanning n screen pixels), color(region), selected(region), image (this object)}.

import { h, svg, flag, number, ensureStylesheet } from "/static/editor/dom.js";
import { toolbarParts } from "./toolbar.js";

ensureStylesheet(new URL("./image.css", import.meta.url));

const SHAPES = ["rectangle", "polygon", "ellipse", "keypoint", "brush"];

/** The shape a region's geometry has, from its items' types or, failing that, its keys. */
export function shapeOf(region) {
  for (const item of Object.values(region.items)) {
    const base = item.type.replace(/labels$/, "");
    if (SHAPES.includes(base)) return base;
    if (base === "magicwand") return "brush";
  }
  const value = region.geometry;
  if ("points" in value) return "polygon";
  if ("radiusX" in value) return "ellipse";
  if ("rle" in value || "format" in value) return "brush";
  if ("height" in value) return "rectangle";
  if ("x" in value) return "keypoint";
  return null;
}

export function mount(node, ctx) {
  return new ImageView(node, ctx).instance;
}

class ImageView {
  constructor(node, ctx) {
    this.node = node;
    this.ctx = ctx;
    this.name = node.name;
    this.store = ctx.store;
    this.engine = ctx.engine;
    this.tools = new Map();
    this.tool = "select";
    this.zoom = 1;
    this.offset = { x: 0, y: 0 };
    this.page = 0;
    this.size = { width: 1, height: 1 };
    this.filters = { brightness: 100, contrast: 100 };
    const list = node.attrs.valueList ? ctx.resolve(node.attrs.valueList) : null;
    this.multi = Boolean(node.attrs.valueList);
    this.sources = (this.multi ? (Array.isArray(list) ? list : []) : [ctx.resolve(node.attrs.value)])
      .map((item) => (item && typeof item === "object" ? item.url || item.src || "" : String(item ?? "")));
    this._build();
    this.ready = this._load(0);
    this.instance = {
      ready: this.ready,
      addTool: (tool) => this.addTool(tool),
      connect: () => this._connect(),
      update: () => this.render(),
      focusRegion: (region) => this.focusRegion(region),
      regionKind: (region) => {
        const shape = shapeOf(region);
        return shape ? shape[0].toUpperCase() + shape.slice(1) : "Region";
      },
      destroy: () => this.destroy(),
    };
  }

  // ------------------------------------------------------------------ DOM

  _build() {
    const { ctx, node } = this;
    this.img = h("img", { class: "lc-image-img", alt: "", draggable: "false", decoding: "async" });
    if (node.attrs.crossOrigin && node.attrs.crossOrigin !== "none") this.img.crossOrigin = node.attrs.crossOrigin;
    this.raster = h("div", { class: "lc-raster" });
    this.regionLayer = svg("g", { class: "lc-regions" });
    this.handleLayer = svg("g", { class: "lc-handles" });
    this.draftLayer = svg("g", { class: "lc-draft" });
    this.overlay = svg("svg", { class: "lc-overlay" }, this.regionLayer, this.handleLayer, this.draftLayer);
    this.content = h("div", { class: "lc-stage-content" }, this.img, this.raster, this.overlay);
    this.message = h("div", { class: "lc-stage-message", hidden: true });
    this.stage = h("div", { class: "lc-stage", tabindex: "0", "aria-label": `Image ${this.name}` },
      this.content, this.message);
    this.stage.style.maxHeight = node.attrs.maxHeight || "calc(100vh - 194px)";
    this.toolbar = h("div", { class: "lc-image-toolbar", role: "toolbar" });
    this.root = h("div", { class: "lc-image" }, this.toolbar, this.stage);
    this.root.style.width = node.attrs.width || "100%";
    this.root.style.maxWidth = node.attrs.maxWidth || "100%";
    ctx.el.append(this.root);
    this._listen();
    this.resizeObserver = new ResizeObserver(() => this._fit(false));
    this.resizeObserver.observe(this.stage);
  }

  _load(page) {
    this.page = page;
    const url = this.sources[page];
    this.message.hidden = true;
    if (!url) {
      this._showMessage("No image in this task");
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.img.onload = () => {
        this.size = { width: this.img.naturalWidth, height: this.img.naturalHeight };
        for (const element of [this.img, this.raster, this.overlay]) {
          element.style.width = `${this.size.width}px`;
          element.style.height = `${this.size.height}px`;
        }
        this.content.style.width = `${this.size.width}px`;
        this.content.style.height = `${this.size.height}px`;
        this.overlay.setAttribute("viewBox", `0 0 ${this.size.width} ${this.size.height}`);
        this.loaded = true;
        this._fit(true);
        this.render();
        resolve();
      };
      this.img.onerror = () => {
        this._showMessage(`Could not load the image ${url}`);
        resolve();
      };
      this.img.src = url;
    });
  }

  _showMessage(text) {
    this.message.textContent = text;
    this.message.hidden = false;
    this.stage.style.height = "120px";
  }

  // ------------------------------------------------------------------ zoom and pan

  _fit(reset) {
    if (!this.loaded) return;
    const width = this.stage.clientWidth || 1;
    this.stage.style.height = `${Math.ceil(this.size.height * (width / this.size.width))}px`;
    const height = this.stage.clientHeight || 1;
    this.fitScale = Math.min(width / this.size.width, height / this.size.height);
    if (this.node.attrs.defaultZoom === "original" && reset) this.zoom = 1 / this.fitScale;
    if (reset) {
      this.zoom = this.node.attrs.defaultZoom === "original" ? Math.min(1 / this.fitScale, 16) : 1;
      this.offset = this._aligned();
    }
    this._applyTransform();
  }

  _aligned() {
    const width = this.stage.clientWidth;
    const height = this.stage.clientHeight;
    const shown = { x: this.size.width * this.scale, y: this.size.height * this.scale };
    const along = (free, align) => (align === "center" ? free / 2 : align === "right" || align === "bottom" ? free : 0);
    return { x: Math.max(0, along(width - shown.x, this.node.attrs.horizontalAlignment)),
      y: Math.max(0, along(height - shown.y, this.node.attrs.verticalAlignment)) };
  }

  get scale() {
    return (this.fitScale || 1) * this.zoom;
  }

  _applyTransform() {
    this.content.style.transform = `translate(${this.offset.x}px, ${this.offset.y}px) scale(${this.scale})`;
    if (this.zoomLabel) this.zoomLabel.textContent = `${Math.round(this.zoom * 100)}%`;
    this.render();
  }

  fit() {
    this.zoom = 1;
    this.offset = this._aligned();
    this._applyTransform();
  }

  zoomBy(factor, around) {
    const low = flag(this.node.attrs.negativeZoom) ? 0.2 : 1;
    const next = Math.min(Math.max(this.zoom * factor, low), 40);
    if (next === this.zoom) return;
    const rect = this.stage.getBoundingClientRect();
    const at = around || { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 };
    const local = { x: at.x - rect.left, y: at.y - rect.top };
    const ratio = next / this.zoom;
    this.offset = { x: local.x - (local.x - this.offset.x) * ratio, y: local.y - (local.y - this.offset.y) * ratio };
    this.zoom = next;
    if (next === 1) this.offset = this._aligned();
    this._applyTransform();
  }

  /** Client coordinates -> image pixels. */
  point(event) {
    const rect = this.content.getBoundingClientRect();
    return { x: ((event.clientX - rect.left) / rect.width) * this.size.width,
      y: ((event.clientY - rect.top) / rect.height) * this.size.height };
  }

  view() {
    const scale = this.scale;
    return {
      size: this.size,
      scale,
      px: (n) => n / scale,
      color: (region) => this.engine.colorOf(region),
      selected: (region) => this.store.selectedId === region.id,
      image: this,
      node: this.node,
    };
  }

  meta() {
    const meta = { original_width: this.size.width, original_height: this.size.height, image_rotation: 0 };
    if (this.multi) meta.item_index = this.page;
    return meta;
  }

  // ------------------------------------------------------------------ tools

  addTool(tool) {
    this.tools.set(tool.name, tool);
    if (tool.hotkey) {
      tool.unbind = this.engine.hotkeys.bind(tool.hotkey, () => this.setTool(tool.name), { description: tool.title });
    }
    this._buildToolbar();
  }

  setTool(name) {
    if (this.session) this._cancelSession();
    this.tool = this.tools.has(name) || name === "pan" ? name : "select";
    this._buildToolbar();
    this.render();
  }

  toolFor(region) {
    const shape = shapeOf(region);
    const own = Object.keys(region.items).map((name) => [...this.tools.values()]
      .find((tool) => tool.control === name && tool.shape === shape)).find(Boolean);
    return own || [...this.tools.values()].find((tool) => tool.shape === shape) || null;
  }

  _connect() {
    const { engine, node } = this;
    this.unbind = [
      engine.on("tool", ({ control, labels }) => this._labelsPicked(control, labels)),
      engine.hotkeys.bind("v", () => this.setTool("select"), { description: "Select and move regions" }),
      engine.hotkeys.bind("h", () => this.setTool("pan"), { description: "Pan the image" }),
      engine.hotkeys.bind("escape", () => (this.session ? this._cancelSession() : false), { stack: true }),
      engine.hotkeys.bind("enter", () => this._sessionKey("enter"), { stack: true }),
      engine.hotkeys.bind("backspace", () => this._sessionKey("backspace"), { stack: true }),
    ].filter(Boolean);
    if (flag(node.attrs.zoom, true)) {
      this.unbind.push(engine.hotkeys.bind("ctrl+=, meta+=", () => this.zoomBy(1.25), { description: "Zoom in" }),
        engine.hotkeys.bind("ctrl+-, meta+-", () => this.zoomBy(0.8), { description: "Zoom out" }));
    }
    this._buildToolbar();
  }

  /** A label was picked: a shape's own labels switch to its tool; generic <Labels> on this image
   * switch to the first plain shape tool when no drawing tool is active. */
  _labelsPicked(control, labels) {
    const node = this.engine.node(control);
    const targets = ((node && node.attrs.toName) || "").split(",").map((name) => name.trim());
    if (!labels.length || !targets.includes(this.name)) return;
    const tools = [...this.tools.values()].filter((tool) => !tool.secondary);
    let tool = tools.find((candidate) => candidate.control === control);
    if (!tool && !this.tools.has(this.tool)) {
      tool = tools.find((candidate) => !(this.engine.node(candidate.control) || { tag: "" }).tag.endsWith("Labels"));
    }
    if (tool && this.tool !== tool.name) this.setTool(tool.name);
  }

  _buildToolbar() {
    this.toolbar.replaceChildren(...toolbarParts(this));
    this.stage.dataset.activeTool = this.tool;
    this.stage.classList.toggle("lc-drawing-tool", this.tools.has(this.tool));
  }

  async showPage(page) {
    if (page < 0 || page >= this.sources.length || page === this.page) return;
    if (this.session) this._cancelSession();
    this.store.select(null);
    await this._load(page);
    this._buildToolbar();
  }

  focusRegion(region) {
    const index = region.meta && Number.isInteger(region.meta.item_index) ? region.meta.item_index : 0;
    if (this.multi && index !== this.page) this.showPage(index);
  }

  // ------------------------------------------------------------------ rendering

  regions() {
    return this.store.regions(this.name).filter((region) =>
      !this.multi || (region.meta.item_index ?? 0) === this.page);
  }

  render() {
    if (!this.loaded) return;
    const view = this.view();
    const shapes = [];
    const rasters = [];
    const handles = [];
    for (const region of this.regions()) {
      if (region.hidden) continue;
      const tool = this.toolFor(region);
      if (!tool) continue;
      const element = tool.render(region, view);
      if (!element) continue;
      element.classList.add("lc-region-shape");
      element.classList.toggle("lc-selected", view.selected(region));
      element.dataset.regionId = region.id;
      (element instanceof SVGElement ? shapes : rasters).push(element);
      if (flag(this.node.attrs.showLabels) && tool.anchor) shapes.push(this._caption(region, tool.anchor(region, view), view));
      if (view.selected(region) && !region.locked && !this.ctx.readonly && tool.handles && this.tool !== "pan") {
        for (const [index, handle] of tool.handles(region, view).entries()) {
          handles.push(svg("circle", { class: `lc-handle lc-handle-${handle.key}`, cx: handle.x, cy: handle.y,
            r: view.px(handle.key === "rotate" ? 5 : 4.5), "data-handle": String(index), "data-region-id": region.id,
            style: `cursor: ${handle.cursor || "move"}` }));
        }
      }
    }
    this.regionLayer.replaceChildren(...shapes);
    this.raster.replaceChildren(...rasters);
    this.handleLayer.replaceChildren(...handles);
    this.overlay.style.setProperty("--lc-px", String(view.px(1)));
    if (this.session && this.session.refresh) this.session.refresh(view);
  }

  _caption(region, anchor, view) {
    const labels = Object.values(region.items).flatMap((item) => item.value[item.type] || []).join(", ");
    return svg("text", { class: "lc-caption", x: anchor.x, y: anchor.y - view.px(4), "font-size": view.px(12),
      fill: view.color(region) }, labels);
  }

  // ------------------------------------------------------------------ pointer

  _listen() {
    const overlay = this.overlay;
    overlay.addEventListener("pointerdown", (event) => this._down(event));
    overlay.addEventListener("pointermove", (event) => this._move(event));
    overlay.addEventListener("pointerup", (event) => this._up(event));
    overlay.addEventListener("pointercancel", () => this._release());
    overlay.addEventListener("dblclick", (event) => this._dblclick(event));
    this.stage.addEventListener("wheel", (event) => {
      if (!flag(this.node.attrs.zoom, true)) return;
      if (event.ctrlKey || event.metaKey) {
        event.preventDefault();
        this.zoomBy(event.deltaY < 0 ? number(this.node.attrs.zoomBy, 1.1) : 1 / number(this.node.attrs.zoomBy, 1.1),
          { x: event.clientX, y: event.clientY });
      } else if (this.zoom > 1) {
        event.preventDefault();
        this.offset = { x: this.offset.x - event.deltaX, y: this.offset.y - event.deltaY };
        this._applyTransform();
      }
    }, { passive: false });
    this._keys = (event) => { this.space = event.type === "keydown" && event.code === "Space" && !event.ctrlKey; };
    document.addEventListener("keydown", this._keys);
    document.addEventListener("keyup", this._keys);
  }

  _regionAt(event, point) {
    const element = event.target.closest && event.target.closest("[data-region-id]");
    if (element && !element.dataset.handle) return this.store.region(element.dataset.regionId);
    const view = this.view();
    const hits = this.regions().filter((region) => {
      const tool = this.toolFor(region);
      return !region.hidden && tool && tool.hit && tool.hit(region, point, view);
    });
    return hits.length ? hits[hits.length - 1] : null;
  }

  _down(event) {
    if (!this.loaded || (event.button !== 0 && event.button !== 1)) return;
    this.stage.focus({ preventScroll: true });
    const point = this.point(event);
    const view = this.view();
    this.overlay.setPointerCapture(event.pointerId);
    event.preventDefault();
    if (this.session) {
      if (this.session.down) this._settle(this.session.down(point, event));
      return;
    }
    if (event.button === 1 || this.tool === "pan" || this.space) {
      this.drag = { kind: "pan", from: { x: event.clientX, y: event.clientY }, offset: { ...this.offset } };
      return;
    }
    const active = this.tools.get(this.tool);
    const handleElement = event.target.closest && event.target.closest("[data-handle]");
    if (handleElement && !this.ctx.readonly) {
      const region = this.store.region(handleElement.dataset.regionId);
      const tool = region && this.toolFor(region);
      if (tool) {
        const handle = tool.handles(region, view)[Number(handleElement.dataset.handle)];
        this.drag = { kind: "handle", region, tool, handle, start: structuredClone(region.geometry) };
        return;
      }
    }
    if (active && active.paintsOver && !this.engine.relationMode) {
      this._begin(active, point, view, event);
      return;
    }
    const region = this._regionAt(event, point);
    const drawing = active && !this.ctx.readonly && !this.engine.relationMode;
    if (region && drawing && this.store.selectedId !== region.id) {
      if (active.clickToDraw) {
        this._begin(active, point, view, event); // polygons and points may start inside other regions
        return;
      }
      // a drag draws (a box inside a box), a click selects
      this.pending = { region, point, from: { x: event.clientX, y: event.clientY } };
      return;
    }
    if (region) {
      this.store.select(region.id);
      const tool = this.toolFor(region);
      if (!region.locked && !this.ctx.readonly && tool && tool.move && !this.engine.relationMode) {
        this.drag = { kind: "move", region, tool, from: point, start: structuredClone(region.geometry) };
      }
      return;
    }
    if (active && !this.ctx.readonly && !this.engine.relationMode) {
      this._begin(active, point, view, event);
      return;
    }
    this.store.select(null);
    this.drag = { kind: "pan", from: { x: event.clientX, y: event.clientY }, offset: { ...this.offset } };
  }

  _begin(tool, point, view, event) {
    const session = tool.begin(point, view, event);
    if (!session) return;
    this.session = session;
    this.sessionTool = tool;
    this.draftLayer.replaceChildren(...(session.preview ? [session.preview] : []));
  }

  _move(event) {
    if (!this.loaded) return;
    const point = this.point(event);
    if (this.session) {
      if (this.session.move) this.session.move(point, event);
      return;
    }
    const pending = this.pending;
    if (pending && Math.hypot(event.clientX - pending.from.x, event.clientY - pending.from.y) > 3) {
      this.pending = null;
      this._begin(this.tools.get(this.tool), pending.point, this.view(), event);
      if (this.session && this.session.move) this.session.move(point, event);
      return;
    }
    const drag = this.drag;
    if (!drag) return;
    if (drag.kind === "pan") {
      this.offset = { x: drag.offset.x + event.clientX - drag.from.x, y: drag.offset.y + event.clientY - drag.from.y };
      this._applyTransform();
      return;
    }
    const view = this.view();
    const geometry = drag.kind === "move"
      ? drag.tool.move(drag.start, point.x - drag.from.x, point.y - drag.from.y, view)
      : drag.tool.dragHandle(drag.start, drag.handle, point, view);
    if (!geometry) return;
    drag.geometry = geometry;
    this.store.setGeometry(drag.region.id, geometry, { transient: true });
  }

  _up(event) {
    const point = this.point(event);
    if (this.session) {
      if (this.session.up) this._settle(this.session.up(point, event));
      return;
    }
    if (this.pending) {
      this.store.select(this.pending.region.id);
      this.pending = null;
      return;
    }
    const drag = this.drag;
    this.drag = null;
    if (drag && drag.geometry) this.store.setGeometry(drag.region.id, drag.geometry);
  }

  _release() {
    this.drag = null;
    this.pending = null;
  }

  _dblclick(event) {
    if (this.session && this.session.dblclick) {
      this._settle(this.session.dblclick());
      return;
    }
    const handleElement = event.target.closest && event.target.closest("[data-handle]");
    if (handleElement) {
      const region = this.store.region(handleElement.dataset.regionId);
      const tool = region && this.toolFor(region);
      if (tool && tool.removeHandle) {
        const geometry = tool.removeHandle(region.geometry, tool.handles(region, this.view())[Number(handleElement.dataset.handle)]);
        if (geometry) this.store.setGeometry(region.id, geometry);
      }
    }
  }

  _sessionKey(key) {
    if (!this.session || !this.session.key) return false;
    const outcome = this.session.key(key);
    if (outcome === undefined) return false;
    this._settle(outcome);
    return true;
  }

  /** Apply what a drawing session returned: keep going, a finished region, or nothing. */
  _settle(outcome) {
    if (outcome === "continue") return;
    const tool = this.sessionTool;
    this.session = null;
    this.sessionTool = null;
    this.draftLayer.replaceChildren();
    if (!outcome || !outcome.geometry) return;
    if (outcome.region) {
      this.store.setGeometry(outcome.region, outcome.geometry);
    } else {
      const region = this.engine.createRegion(this.name, { geometry: outcome.geometry, control: tool.control,
        meta: this.meta() });
      if (region && outcome.created) outcome.created(region);
    }
  }

  _cancelSession() {
    if (this.session && this.session.cancel) this.session.cancel();
    this.session = null;
    this.sessionTool = null;
    this.draftLayer.replaceChildren();
    this.render();
  }

  destroy() {
    this.resizeObserver.disconnect();
    document.removeEventListener("keydown", this._keys);
    document.removeEventListener("keyup", this._keys);
    for (const unbind of this.unbind || []) unbind();
    for (const tool of this.tools.values()) if (tool.unbind) tool.unbind();
  }
}
