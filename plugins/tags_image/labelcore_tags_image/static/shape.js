// What the shape controls share: the label palette (for *Labels), registering the drawing tool
// with the <Image> they target, and region styling.

import { flag, number, svg } from "/static/editor/dom.js";
import { mountLabelsPalette } from "/static/editor/labels.js";
import { clampPoint } from "./geometry.js";

/**
 * The drag-to-draw gesture of box-like tools: `measure(first, end)` turns the two corners into
 * the tool's shape, `show(preview, shape)` draws it, and `keep(shape)` gives the new region's
 * `{geometry}` when the pointer is released (or null when the shape is too small to keep).
 */
export function dragGesture(start, view, { element, measure, show, keep }) {
  const first = clampPoint(start, view.size);
  let end = first;
  const preview = svg(element, { class: "lc-shape", fill: "none", stroke: "#3e63dd" });
  const draw = () => show(preview, measure(first, end));
  draw();
  return {
    preview,
    move(point) {
      end = clampPoint(point, view.size);
      draw();
    },
    up(point) {
      end = clampPoint(point, view.size);
      return keep(measure(first, end));
    },
  };
}

export function targets(node) {
  return (node.attrs.toName || "").split(",").map((part) => part.trim()).filter(Boolean);
}

/** A control that adds `createTool(node, ctx)` to each image it targets. */
export function mountShapeControl(node, ctx, createTool) {
  const labeled = node.tag.endsWith("Labels");
  const palette = labeled ? mountLabelsPalette(node, ctx) : null;
  if (!labeled) ctx.el.hidden = true; // the tool button lives in the image's toolbar
  return {
    connect() {
      for (const name of targets(node)) {
        const image = ctx.engine.tag(name);
        if (image && image.addTool) for (const tool of [].concat(createTool(node, ctx))) image.addTool(tool);
      }
    },
    update() {
      if (palette) palette.update();
    },
    filter: palette ? palette.filter : undefined,
  };
}

/** Fill opacity and stroke width of a control's regions. */
export function shapeStyle(node, defaults = {}) {
  return {
    fillOpacity: number(node.attrs.fillOpacity, number(node.attrs.opacity, defaults.opacity ?? 0.2)),
    strokeWidth: number(node.attrs.strokeWidth, defaults.strokeWidth ?? 2),
    canRotate: flag(node.attrs.canRotate, true),
  };
}

export const CURSORS = { n: "ns-resize", s: "ns-resize", e: "ew-resize", w: "ew-resize", nw: "nwse-resize",
  se: "nwse-resize", ne: "nesw-resize", sw: "nesw-resize", rotate: "grab" };
