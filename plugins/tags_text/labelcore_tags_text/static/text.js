// <Text>: plain text; select a passage to label it with the active label(s). Spans are saved as
// Label Studio does today: start/end in code points (end exclusive) plus the spanned text.

import { ensureStylesheet, flag } from "/static/editor/dom.js";
import { decode } from "/static/editor/data.js";
import { adjust, segmentOffset, toCodePoints, toUnits } from "/static/editor/spans.js";
import { granularity, regionAtClick, renderSegments, snippet } from "./spanview.js";

ensureStylesheet(new URL("./text.css", import.meta.url));

export function mount(node, ctx) {
  const { store, engine } = ctx;
  const root = ctx.h("div", { class: "lc-text", "data-object": node.name });
  ctx.el.append(root);
  let text = "";
  let spans = [];

  async function load() {
    const value = ctx.resolve(node.attrs.value);
    if (node.attrs.valueType === "url") {
      const response = await fetch(String(value), { credentials: "same-origin" });
      text = await response.text();
    } else if (typeof node.attrs.value === "string" && !node.attrs.value.trim().startsWith("$")) {
      text = ctx.format(node.attrs.value);
    } else {
      text = value === undefined || value === null ? "" : typeof value === "string" ? value : JSON.stringify(value);
    }
    text = decode(text, node.attrs.encoding) ?? "";
  }

  function regions() {
    return store.regions(node.name).filter((region) => Number.isInteger(region.geometry.start));
  }

  function render() {
    spans = regions().map((region) => ({ region, start: toUnits(text, region.geometry.start),
      end: toUnits(text, region.geometry.end) }));
    renderSegments(root, text, spans, { engine, selectedId: store.selectedId,
      badges: node.attrs.showLabels === undefined ? true : flag(node.attrs.showLabels) });
  }

  function createFromSelection() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed || ctx.readonly) return false;
    if (!flag(node.attrs.selectionEnabled, true)) return false;
    const range = selection.getRangeAt(0);
    if (!root.contains(range.startContainer) && !root.contains(range.endContainer)) return false;
    let start = root.contains(range.startContainer) ? segmentOffset(root, range.startContainer, range.startOffset) : 0;
    let end = root.contains(range.endContainer) ? segmentOffset(root, range.endContainer, range.endOffset) : text.length;
    [start, end] = adjust(text, Math.min(start, end), Math.max(start, end), granularity(node, engine));
    if (end <= start) return false;
    const geometry = { start: toCodePoints(text, start), end: toCodePoints(text, end) };
    if (node.attrs.saveTextResult !== "no" && !(node.attrs.valueType === "url" && node.attrs.saveTextResult !== "yes")) {
      geometry.text = text.slice(start, end);
    }
    if (!engine.activeLabels(node.name).length) {
      engine.notify("Pick a label first, then select the text");
      return false;
    }
    selection.removeAllRanges();
    engine.createRegion(node.name, { geometry });
    return true;
  }

  let created = false;
  // the button may come up outside the text: listen on the document for the end of this drag
  root.addEventListener("mousedown", () => {
    created = false;
    document.addEventListener("mouseup", () => {
      created = !window.getSelection().isCollapsed && createFromSelection();
    }, { once: true });
  });
  root.addEventListener("click", (event) => {
    if (created || !window.getSelection().isCollapsed) {
      created = false; // the click that ends a selection does not also select a region
      return;
    }
    const region = regionAtClick(event.target,
      (seg) => spans.filter((span) => span.start <= Number(seg.dataset.start) && span.end >= Number(seg.dataset.end)),
      store);
    if (region) store.select(region.id === store.selectedId && !engine.relationMode ? null : region.id);
    else if (store.selected() && store.selected().object === node.name) store.select(null);
  });

  return {
    ready: load().catch((error) => {
      root.textContent = `Could not load the text: ${error.message}`;
    }),
    update: render,
    regionText: (region) => snippet(region.geometry.text ??
      text.slice(toUnits(text, region.geometry.start), toUnits(text, region.geometry.end))),
    regionKind: () => "Span",
    focusRegion(region) {
      const element = root.querySelector(`[data-regions~="${CSS.escape(region.id)}"]`);
      if (element) element.scrollIntoView({ block: "nearest", behavior: "smooth" });
    },
    get text() { return text; },
  };
}
