// Text spans: offsets in code points (what Label Studio saves for <Text>) and in UTF-16 code
// units (what the DOM counts), word granularity, and the flat segments overlapping spans split a
// text into.

/** UTF-16 index -> code point index. */
export function toCodePoints(text, index) {
  let points = 0;
  for (let unit = 0; unit < index && unit < text.length; unit += 1) {
    const code = text.charCodeAt(unit);
    if (code >= 0xd800 && code <= 0xdbff && unit + 1 < index) {
      const next = text.charCodeAt(unit + 1);
      if (next >= 0xdc00 && next <= 0xdfff) unit += 1;
    }
    points += 1;
  }
  return points;
}

/** Code point index -> UTF-16 index. */
export function toUnits(text, points) {
  let unit = 0;
  for (let point = 0; point < points && unit < text.length; point += 1) {
    const code = text.codePointAt(unit);
    unit += code > 0xffff ? 2 : 1;
  }
  return unit;
}

const WORD = /[\p{L}\p{N}\p{M}_'’-]/u;
const SPACE = /\s/;

/** Trim whitespace off a selection and, for "word" granularity, widen it to whole words. */
export function adjust(text, start, end, granularity = "symbol") {
  while (start < end && SPACE.test(text[start])) start += 1;
  while (end > start && SPACE.test(text[end - 1])) end -= 1;
  if (granularity === "word") {
    while (start > 0 && WORD.test(text[start - 1])) start -= 1;
    while (end < text.length && WORD.test(text[end])) end += 1;
  } else if (granularity === "sentence") {
    while (start > 0 && !/[.!?\n]/.test(text[start - 1])) start -= 1;
    while (end < text.length && !/[.!?\n]/.test(text[end - 1])) end += 1;
    while (start < end && SPACE.test(text[start])) start += 1;
  } else if (granularity === "paragraph") {
    while (start > 0 && text[start - 1] !== "\n") start -= 1;
    while (end < text.length && text[end] !== "\n") end += 1;
  }
  return [start, end];
}

/**
 * Split [0, length) at every span boundary: [{start, end, spans}] where `spans` are the spans
 * (objects with start/end in the same unit) covering the segment, longest first.
 */
export function segments(length, spans) {
  const cuts = new Set([0, length]);
  for (const span of spans) {
    cuts.add(Math.max(0, Math.min(length, span.start)));
    cuts.add(Math.max(0, Math.min(length, span.end)));
  }
  const points = [...cuts].sort((a, b) => a - b);
  const out = [];
  for (let index = 0; index < points.length - 1; index += 1) {
    const start = points[index];
    const end = points[index + 1];
    if (start === end) continue;
    const covering = spans.filter((span) => span.start <= start && span.end >= end)
      .sort((a, b) => (b.end - b.start) - (a.end - a.start));
    out.push({ start, end, spans: covering });
  }
  return out;
}

/** The shortest of the spans covering `offset` (the one a click most likely means). */
export function spanAt(spans, offset) {
  const hits = spans.filter((span) => span.start <= offset && offset < span.end);
  hits.sort((a, b) => (a.end - a.start) - (b.end - b.start));
  return hits[0] || null;
}

/** Background for a segment covered by several spans: the innermost colours it, each outer one
 * adds a band under the text. */
export function segmentStyle(colors) {
  if (!colors.length) return {};
  const inner = colors[colors.length - 1];
  const outer = colors.slice(0, -1).reverse();
  const bands = outer.map((color, index) => `inset 0 -${2 + 3 * (index + 1)}px 0 ${color}`);
  return {
    backgroundColor: `color-mix(in srgb, ${inner} 28%, transparent)`,
    boxShadow: [`inset 0 -2px 0 ${inner}`, ...bands].join(", "),
    paddingBottom: outer.length ? `${3 * outer.length}px` : null,
  };
}

/** The text covered by a selection that ends at a point, when the page is made of .lc-seg spans. */
export function segmentOffset(root, node, offset) {
  const seg = (node.nodeType === Node.TEXT_NODE ? node.parentElement : node).closest(".lc-seg");
  if (seg && root.contains(seg)) {
    if (node.nodeType === Node.TEXT_NODE) return Number(seg.dataset.start) + offset;
    return offset === 0 ? Number(seg.dataset.start) : Number(seg.dataset.end);
  }
  const point = document.createRange();
  point.setStart(node, offset);
  for (const candidate of root.querySelectorAll(".lc-seg")) {
    if (point.comparePoint(candidate, 0) >= 0) return Number(candidate.dataset.start);
  }
  const all = root.querySelectorAll(".lc-seg");
  return all.length ? Number(all[all.length - 1].dataset.end) : 0;
}
