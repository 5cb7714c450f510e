// <Rectangle> and <RectangleLabels>: boxes drawn by dragging; selected boxes resize from their
// corners and edges and rotate from the handle above them (about the box's centre on screen,
// stored as Label Studio does: rotation about the top-left corner).

import { setAttrs, svg } from "/static/editor/dom.js";
import { CURSORS, dragGesture, mountShapeControl, shapeStyle } from "./shape.js";
import {
  clampPoint, clampRect, normalizeAngle, rectPercent, rectPixels, rotate, sub, toGlobal, toLocal,
} from "./geometry.js";

export const resultTypes = {
  rectangle: { region: true },
  rectanglelabels: { region: true, key: "rectanglelabels" },
};

export function mount(node, ctx) {
  return mountShapeControl(node, ctx, rectangleTool);
}

const LOCAL = { nw: [0, 0], n: [0.5, 0], ne: [1, 0], e: [1, 0.5], se: [1, 1], s: [0.5, 1], sw: [0, 1], w: [0, 0.5] };

function rectangleTool(node) {
  const style = shapeStyle(node);
  return {
    name: node.name,
    control: node.name,
    shape: "rectangle",
    title: "Rectangle",
    icon: "rectangle",
    hotkey: "r",

    begin(start, view) {
      return dragGesture(start, view, {
        element: "rect",
        measure: (first, end) => ({ origin: { x: Math.min(first.x, end.x), y: Math.min(first.y, end.y) },
          w: Math.abs(end.x - first.x), h: Math.abs(end.y - first.y), rotation: 0 }),
        show: (preview, { origin, w, h }) => setAttrs(preview, { x: origin.x, y: origin.y, width: w, height: h }),
        keep: (rect) => (rect.w < view.px(3) || rect.h < view.px(3) ? null
          : { geometry: rectPercent(rect, view.size) }),
      });
    },

    render(region, view) {
      const { origin, w, h, rotation } = rectPixels(region.geometry, view.size);
      const color = view.color(region);
      return svg("g", { transform: `translate(${origin.x} ${origin.y}) rotate(${rotation})` },
        svg("rect", { class: "lc-shape", x: 0, y: 0, width: w, height: h, fill: color,
          "fill-opacity": style.fillOpacity, stroke: color }));
    },

    anchor(region, view) {
      return rectPixels(region.geometry, view.size).origin;
    },

    handles(region, view) {
      const rect = rectPixels(region.geometry, view.size);
      const out = Object.entries(LOCAL).map(([key, [fx, fy]]) => ({
        key, cursor: CURSORS[key], ...toGlobal({ x: fx * rect.w, y: fy * rect.h }, rect.origin, rect.rotation) }));
      if (style.canRotate) {
        out.push({ key: "rotate", cursor: CURSORS.rotate,
          ...toGlobal({ x: rect.w / 2, y: -view.px(22) }, rect.origin, rect.rotation) });
      }
      return out;
    },

    dragHandle(start, handle, point, view) {
      const rect = rectPixels(start, view.size);
      if (handle.key === "rotate") {
        const centre = toGlobal({ x: rect.w / 2, y: rect.h / 2 }, rect.origin, rect.rotation);
        const angle = (Math.atan2(point.y - centre.y, point.x - centre.x) * 180) / Math.PI + 90;
        const origin = sub(centre, rotate({ x: rect.w / 2, y: rect.h / 2 }, angle));
        return rectPercent({ ...rect, origin, rotation: normalizeAngle(angle) }, view.size);
      }
      const at = rect.rotation % 360 === 0 ? clampPoint(point, view.size) : point;
      const local = toLocal(at, rect.origin, rect.rotation);
      let [x0, x1, y0, y1] = [0, rect.w, 0, rect.h];
      if (handle.key.includes("w")) x0 = local.x;
      if (handle.key.includes("e")) x1 = local.x;
      if (handle.key.includes("n")) y0 = local.y;
      if (handle.key.includes("s")) y1 = local.y;
      const corner = { x: Math.min(x0, x1), y: Math.min(y0, y1) };
      const next = { origin: toGlobal(corner, rect.origin, rect.rotation), w: Math.abs(x1 - x0),
        h: Math.abs(y1 - y0), rotation: rect.rotation };
      return rectPercent(clampRect(next, view.size), view.size);
    },

    move(start, dx, dy, view) {
      const rect = rectPixels(start, view.size);
      let origin = { x: rect.origin.x + dx, y: rect.origin.y + dy };
      if (rect.rotation % 360 === 0) {
        origin = { x: Math.min(Math.max(origin.x, 0), view.size.width - rect.w),
          y: Math.min(Math.max(origin.y, 0), view.size.height - rect.h) };
      }
      return rectPercent({ ...rect, origin }, view.size);
    },
  };
}
