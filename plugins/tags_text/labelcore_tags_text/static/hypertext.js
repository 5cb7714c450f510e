// <HyperText>: HTML from task data, sanitized (no scripts, handlers, frames or javascript: URLs),
// with spans labeled by selection. A span is saved as Label Studio does: XPaths of the text nodes
// it starts and ends in (relative to the HTML's root), offsets inside them, globalOffsets into
// the rendered text, and the text. Spans are drawn with the CSS Custom Highlight API, so the
// HTML itself is never rewritten (its XPaths stay valid).

import { ensureStylesheet, flag } from "/static/editor/dom.js";
import { decode } from "/static/editor/data.js";
import { sanitizeHTML } from "/static/editor/sanitize.js";
import { adjust, spanAt } from "/static/editor/spans.js";
import { granularity, snippet } from "./spanview.js";

ensureStylesheet(new URL("./text.css", import.meta.url));

let instances = 0;

function textNodes(root) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  return nodes;
}

export function xpathOf(node, root) {
  const steps = [];
  for (let current = node; current && current !== root; current = current.parentNode) {
    const siblings = [...current.parentNode.childNodes];
    if (current.nodeType === Node.TEXT_NODE) {
      steps.unshift(`text()[${siblings.filter((n) => n.nodeType === Node.TEXT_NODE).indexOf(current) + 1}]`);
    } else {
      const same = siblings.filter((n) => n.nodeType === Node.ELEMENT_NODE && n.localName === current.localName);
      steps.unshift(`${current.localName}[${same.indexOf(current) + 1}]`);
    }
  }
  return `/${steps.join("/")}`;
}

export function nodeAt(xpath, root) {
  let current = root;
  for (const step of String(xpath).split("/").filter(Boolean)) {
    const match = /^(text\(\)|[A-Za-z][\w-]*)(?:\[(\d+)\])?$/.exec(step);
    if (!match || !current) return null;
    const index = Number(match[2] || 1) - 1;
    const children = [...current.childNodes].filter((n) => (match[1] === "text()" ? n.nodeType === Node.TEXT_NODE
      : n.nodeType === Node.ELEMENT_NODE && n.localName === match[1].toLowerCase()));
    current = children[index] || null;
  }
  return current;
}

export function mount(node, ctx) {
  const { store, engine } = ctx;
  const id = `lc-ht${(instances += 1)}`;
  const root = ctx.h("div", { class: "lc-hypertext", "data-object": node.name });
  const style = document.createElement("style");
  ctx.el.append(root, style);
  let text = "";
  let nodes = [];
  let spans = [];
  const names = new Set();

  async function load() {
    let html = ctx.resolve(node.attrs.value);
    if (node.attrs.valueType === "url") {
      const response = await fetch(String(html), { credentials: "same-origin" });
      html = await response.text();
    }
    html = decode(typeof html === "string" ? html : String(html ?? ""), node.attrs.encoding);
    root.append(sanitizeHTML(html));
    root.normalize();
    nodes = textNodes(root);
    text = nodes.map((n) => n.data).join("");
  }

  function startOf(target) {
    let offset = 0;
    for (const candidate of nodes) {
      if (candidate === target) return offset;
      offset += candidate.data.length;
    }
    return offset;
  }

  /** A DOM point -> offset into the rendered text. */
  function globalOffset(container, offset) {
    if (container.nodeType === Node.TEXT_NODE) return startOf(container) + offset;
    const range = document.createRange();
    range.setStart(root, 0);
    range.setEnd(container, offset);
    return range.toString().length;
  }

  /** Offset into the rendered text -> {node, offset}; at a boundary, `atEnd` keeps the earlier node. */
  function pointAt(global, atEnd) {
    let offset = 0;
    for (const candidate of nodes) {
      const length = candidate.data.length;
      if (global < offset + length || (atEnd && global === offset + length)) return { node: candidate, offset: global - offset };
      offset += length;
    }
    const last = nodes[nodes.length - 1];
    return last ? { node: last, offset: last.data.length } : { node: root, offset: 0 };
  }

  function offsetsOf(region) {
    const value = region.geometry;
    const start = nodeAt(value.start, root);
    const end = nodeAt(value.end, root);
    if (start && end) {
      const at = (target, offset) => (target.nodeType === Node.TEXT_NODE ? startOf(target) + offset
        : globalOffset(target, 0) + offset);
      return { start: at(start, value.startOffset), end: at(end, value.endOffset) };
    }
    if (value.globalOffsets) return { ...value.globalOffsets };
    return null;
  }

  function render() {
    if (!window.CSS || !CSS.highlights) return;
    for (const name of names) CSS.highlights.delete(name);
    names.clear();
    spans = store.regions(node.name).map((region) => ({ region, ...(offsetsOf(region) || {}) }))
      .filter((span) => Number.isInteger(span.start) && Number.isInteger(span.end));
    const byColor = new Map();
    const rules = [];
    for (const span of spans) {
      if (span.region.hidden) continue;
      const range = document.createRange();
      const from = pointAt(span.start, false);
      const to = pointAt(span.end, true);
      range.setStart(from.node, from.offset);
      range.setEnd(to.node, to.offset);
      const selected = span.region.id === store.selectedId;
      const color = engine.colorOf(span.region);
      const key = selected ? "selected" : color;
      if (!byColor.has(key)) {
        const name = `${id}-${byColor.size}`;
        byColor.set(key, { name, highlight: new Highlight() });
        rules.push(selected
          ? `::highlight(${name}) { background-color: color-mix(in srgb, ${color} 55%, transparent); text-decoration: underline 2px ${color}; }`
          : `::highlight(${name}) { background-color: color-mix(in srgb, ${color} 30%, transparent); }`);
        if (selected) byColor.get(key).highlight.priority = 1;
      }
      byColor.get(key).highlight.add(range);
    }
    for (const { name, highlight } of byColor.values()) {
      CSS.highlights.set(name, highlight);
      names.add(name);
    }
    style.textContent = rules.join("\n");
  }

  let created = false;
  root.addEventListener("mousedown", () => {
    created = false;
    document.addEventListener("mouseup", () => { created = createFromSelection(); }, { once: true });
  });

  function createFromSelection() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed || ctx.readonly || !flag(node.attrs.selectionEnabled, true)) {
      return false;
    }
    const range = selection.getRangeAt(0);
    if (!root.contains(range.commonAncestorContainer)) return false;
    let start = globalOffset(range.startContainer, range.startOffset);
    let end = globalOffset(range.endContainer, range.endOffset);
    [start, end] = adjust(text, start, end, granularity(node, engine));
    if (end <= start) return false;
    if (!engine.activeLabels(node.name).length) {
      engine.notify("Pick a label first, then select the text");
      return false;
    }
    const from = pointAt(start, false);
    const to = pointAt(end, true);
    const geometry = { start: xpathOf(from.node, root), startOffset: from.offset, end: xpathOf(to.node, root),
      endOffset: to.offset, globalOffsets: { start, end } };
    if (node.attrs.saveTextResult !== "no" && !(node.attrs.valueType === "url" && node.attrs.saveTextResult !== "yes")) {
      geometry.text = text.slice(start, end);
    }
    selection.removeAllRanges();
    engine.createRegion(node.name, { geometry });
    return true;
  }

  root.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a");
    if (link && !flag(node.attrs.clickableLinks)) event.preventDefault();
    if (created || !window.getSelection().isCollapsed) {
      created = false;
      return;
    }
    const caret = document.caretPositionFromPoint
      ? document.caretPositionFromPoint(event.clientX, event.clientY)
      : document.caretRangeFromPoint(event.clientX, event.clientY);
    if (!caret) return;
    const container = caret.offsetNode || caret.startContainer;
    const offset = caret.offset ?? caret.startOffset;
    if (!root.contains(container)) return;
    const hit = spanAt(spans, globalOffset(container, offset));
    if (hit) store.select(hit.region.id === store.selectedId && !engine.relationMode ? null : hit.region.id);
    else if (store.selected() && store.selected().object === node.name) store.select(null);
  });

  return {
    ready: load().catch((error) => { root.textContent = `Could not load the HTML: ${error.message}`; }),
    update: render,
    regionKind: () => "Span",
    regionText: (region) => {
      if (region.geometry.text) return snippet(region.geometry.text);
      const offsets = offsetsOf(region);
      return offsets ? snippet(text.slice(offsets.start, offsets.end)) : "";
    },
    focusRegion(region) {
      const offsets = offsetsOf(region);
      if (!offsets) return;
      const point = pointAt(offsets.start, false);
      const element = point.node.nodeType === Node.TEXT_NODE ? point.node.parentElement : point.node;
      if (element) element.scrollIntoView({ block: "nearest", behavior: "smooth" });
    },
    destroy() {
      for (const name of names) CSS.highlights.delete(name);
    },
  };
}
