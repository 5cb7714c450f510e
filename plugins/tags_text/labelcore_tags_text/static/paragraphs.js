// <Paragraphs>: a list of {author, text} phrases (layout="dialogue": chat bubbles). Spans
// (ParagraphLabels) are saved as Label Studio does: start/end paragraph indexes as strings plus
// startOffset/endOffset in UTF-16 units inside those paragraphs.

import { ensureStylesheet, flag } from "/static/editor/dom.js";
import { adjust, segmentOffset } from "/static/editor/spans.js";
import { granularity, regionAtClick, renderSegments, snippet } from "./spanview.js";

ensureStylesheet(new URL("./text.css", import.meta.url));

const AUTHOR_COLORS = ["#3e63dd", "#30a46c", "#d6409f", "#f76b15", "#8e4ec6", "#0797b9"];

export function mount(node, ctx) {
  const { store, engine } = ctx;
  const nameKey = node.attrs.nameKey || "author";
  const textKey = node.attrs.textKey || "text";
  const dialogue = node.attrs.layout === "dialogue";
  const root = ctx.h("div", { class: `lc-paragraphs${dialogue ? " lc-dialogue" : ""}`, "data-object": node.name });
  ctx.el.append(root);
  let phrases = [];
  let bodies = [];
  let spans = [];
  const authors = new Map();

  async function load() {
    let value = ctx.resolve(node.attrs.value);
    if (node.attrs.valueType === "url") {
      const response = await fetch(String(value), { credentials: "same-origin" });
      value = await response.json();
    }
    phrases = (Array.isArray(value) ? value : []).map((phrase) => ({
      author: phrase && phrase[nameKey] !== undefined ? String(phrase[nameKey]) : "",
      text: phrase && phrase[textKey] !== undefined ? String(phrase[textKey]) : "",
    }));
    const first = phrases.length ? phrases[0].author : "";
    root.replaceChildren(...phrases.map((phrase, index) => {
      if (!authors.has(phrase.author)) authors.set(phrase.author, AUTHOR_COLORS[authors.size % AUTHOR_COLORS.length]);
      const body = ctx.h("div", { class: "lc-phrase-text", "data-index": String(index) });
      bodies.push(body);
      return ctx.h("div", { class: `lc-phrase${phrase.author !== first ? " lc-other" : ""}`,
        style: { "--author-color": authors.get(phrase.author) } },
      phrase.author ? ctx.h("span", { class: "lc-phrase-author" }, phrase.author) : null, body);
    }));
  }

  const valid = (region) => region.geometry.start !== undefined && region.geometry.startOffset !== undefined;

  function render() {
    const regions = store.regions(node.name).filter(valid);
    spans = [];
    bodies.forEach((body, index) => {
      const text = phrases[index].text;
      const local = [];
      const starts = new Set();
      for (const region of regions) {
        const first = Number(region.geometry.start);
        const last = Number(region.geometry.end);
        if (index < first || index > last) continue;
        const span = { region, index, start: index === first ? region.geometry.startOffset : 0,
          end: index === last ? region.geometry.endOffset : text.length };
        if (index === first) starts.add(span);
        local.push(span);
      }
      spans.push(...local);
      renderSegments(body, text, local, { engine, selectedId: store.selectedId, starts,
        badges: flag(node.attrs.showLabels, true) });
    });
  }

  function pointOf(container, offset, fallbackIndex) {
    const element = container.nodeType === Node.TEXT_NODE ? container.parentElement : container;
    const body = element.closest(".lc-phrase-text") || element.closest(".lc-phrase")?.querySelector(".lc-phrase-text");
    if (!body || !root.contains(body)) return { index: fallbackIndex, offset: null };
    return { index: Number(body.dataset.index), offset: segmentOffset(body, container, offset) };
  }

  let created = false;
  root.addEventListener("mousedown", () => {
    created = false;
    document.addEventListener("mouseup", () => { created = createFromSelection(); }, { once: true });
  });

  function createFromSelection() {
    const selection = window.getSelection();
    if (!selection.rangeCount || selection.isCollapsed || ctx.readonly || !phrases.length) return false;
    const range = selection.getRangeAt(0);
    if (!root.contains(range.commonAncestorContainer)) return false;
    const from = pointOf(range.startContainer, range.startOffset, 0);
    const to = pointOf(range.endContainer, range.endOffset, phrases.length - 1);
    let startOffset = from.offset ?? 0;
    let endOffset = to.offset ?? phrases[to.index].text.length;
    const mode = granularity(node, engine);
    if (from.index === to.index) [startOffset, endOffset] = adjust(phrases[from.index].text, startOffset, endOffset, mode);
    if (from.index > to.index || (from.index === to.index && endOffset <= startOffset)) return false;
    if (!engine.activeLabels(node.name).length) {
      engine.notify("Pick a label first, then select the text");
      return false;
    }
    const text = from.index === to.index
      ? phrases[from.index].text.slice(startOffset, endOffset)
      : [phrases[from.index].text.slice(startOffset),
        ...phrases.slice(from.index + 1, to.index).map((phrase) => phrase.text),
        phrases[to.index].text.slice(0, endOffset)].join("\n");
    selection.removeAllRanges();
    const geometry = { start: String(from.index), end: String(to.index), startOffset, endOffset };
    if (node.attrs.saveTextResult !== "no") geometry.text = text;
    engine.createRegion(node.name, { geometry });
    return true;
  }

  root.addEventListener("click", (event) => {
    if (created || !window.getSelection().isCollapsed) {
      created = false;
      return;
    }
    const body = event.target.closest && event.target.closest(".lc-phrase-text");
    const index = body ? Number(body.dataset.index) : -1;
    const region = regionAtClick(event.target, (seg) => spans.filter((span) => span.index === index &&
      span.start <= Number(seg.dataset.start) && span.end >= Number(seg.dataset.end)), store);
    if (region) store.select(region.id === store.selectedId && !engine.relationMode ? null : region.id);
  });

  return {
    ready: load().catch((error) => { root.textContent = `Could not load the paragraphs: ${error.message}`; }),
    update: render,
    regionKind: () => "Span",
    regionText: (region) => snippet(region.geometry.text || ""),
    focusRegion(region) {
      const body = bodies[Number(region.geometry.start)];
      if (body) body.scrollIntoView({ block: "nearest", behavior: "smooth" });
    },
  };
}
