// Text shown as segments (<span class="lc-seg" data-start data-end>) so that overlapping spans
// can be coloured without changing the text, plus what <Text> and <Paragraphs> share: picking the
// granularity and the region a click lands on.

import { h } from "/static/editor/dom.js";
import { segments, segmentStyle, spanAt } from "/static/editor/spans.js";

/**
 * Render `text` into `element` with `spans` ([{start, end, region}] in UTF-16 units) highlighted.
 * Spans starting here get a label badge when `badges` is true.
 */
export function renderSegments(element, text, spans, { engine, selectedId, badges = true, starts = null }) {
  const parts = [];
  const badgeAt = new Map();
  if (badges) {
    for (const span of spans) {
      if (starts && !starts.has(span)) continue;
      if (!badgeAt.has(span.start)) badgeAt.set(span.start, []);
      badgeAt.get(span.start).push(span);
    }
  }
  for (const segment of segments(text.length, spans)) {
    for (const span of badgeAt.get(segment.start) || []) {
      parts.push(h("span", { class: `lc-badge${span.region.id === selectedId ? " lc-selected" : ""}`,
        "data-region-id": span.region.id, style: { "--label-color": engine.colorOf(span.region) } },
      labelsOf(span.region) || "·"));
    }
    badgeAt.delete(segment.start);
    const colors = segment.spans.filter((span) => !span.region.hidden).map((span) => engine.colorOf(span.region));
    const selected = segment.spans.some((span) => span.region.id === selectedId);
    const attrs = { class: `lc-seg${colors.length ? " lc-hl" : ""}${selected ? " lc-selected" : ""}`,
      "data-start": String(segment.start), "data-end": String(segment.end) };
    if (colors.length) attrs["data-regions"] = segment.spans.map((span) => span.region.id).join(" ");
    const part = h("span", attrs, text.slice(segment.start, segment.end));
    Object.assign(part.style, segmentStyle(colors));
    parts.push(part);
  }
  element.replaceChildren(...parts);
}

export function labelsOf(region) {
  return Object.values(region.items).flatMap((item) => {
    const list = item.value && item.value[item.type];
    return Array.isArray(list) ? list : [];
  }).join(", ");
}

/** The granularity of the label being applied (a Label's own wins over the object's). */
export function granularity(node, engine) {
  for (const { control, labels } of engine.activeLabels(node.name)) {
    const option = engine.labels(control).find((candidate) => labels.includes(candidate.result));
    if (option && option.granularity) return option.granularity;
  }
  return node.attrs.granularity || "symbol";
}

/** The region a click on the element at `target` means, or null. */
export function regionAtClick(target, spansOf, store) {
  const badge = target.closest && target.closest(".lc-badge");
  if (badge) return store.region(badge.dataset.regionId);
  const seg = target.closest && target.closest(".lc-seg.lc-hl");
  if (!seg) return null;
  const hit = spanAt(spansOf(seg), Number(seg.dataset.start));
  return hit ? hit.region : null;
}

export function snippet(text, limit = 60) {
  const flat = String(text || "").replace(/\s+/g, " ").trim();
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}
