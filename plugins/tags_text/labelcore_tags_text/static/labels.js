// <Labels>, <HyperTextLabels>, <ParagraphLabels>: the label palette. Pick a label, then select
// text in the object (or draw with a shape control that targets the same image).

import { mountLabelsPalette } from "/static/editor/labels.js";

export function mount(node, ctx) {
  return mountLabelsPalette(node, ctx);
}
