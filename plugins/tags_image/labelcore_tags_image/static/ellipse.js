// <Ellipse> and <EllipseLabels>: drag out the box the ellipse fits in; a selected ellipse has a
// handle per radius and one to rotate it about its centre.

import { setAttrs, svg } from "/static/editor/dom.js";
import { CURSORS, dragGesture, mountShapeControl, shapeStyle } from "./shape.js";
import { add, clampPoint, normalizeAngle, percentX, percentY, pixelsX, pixelsY, rotate, sub } from "./geometry.js";

export const resultTypes = {
  ellipse: { region: true },
  ellipselabels: { region: true, key: "ellipselabels" },
};

export function mount(node, ctx) {
  return mountShapeControl(node, ctx, ellipseTool);
}

const toPixels = (value, size) => ({ centre: { x: pixelsX(value.x, size), y: pixelsY(value.y, size) },
  rx: pixelsX(value.radiusX, size), ry: pixelsY(value.radiusY, size), rotation: value.rotation || 0 });
const toValue = ({ centre, rx, ry, rotation }, size) => ({ x: percentX(centre.x, size), y: percentY(centre.y, size),
  radiusX: percentX(rx, size), radiusY: percentY(ry, size), rotation: normalizeAngle(rotation) });

function ellipseTool(node) {
  const style = shapeStyle(node);
  return {
    name: node.name,
    control: node.name,
    shape: "ellipse",
    title: "Ellipse",
    icon: "ellipse",
    hotkey: "o",

    begin(start, view) {
      return dragGesture(start, view, {
        element: "ellipse",
        measure: (first, end) => ({ centre: { x: (first.x + end.x) / 2, y: (first.y + end.y) / 2 },
          rx: Math.abs(end.x - first.x) / 2, ry: Math.abs(end.y - first.y) / 2, rotation: 0 }),
        show: (preview, { centre, rx, ry }) => setAttrs(preview, { cx: centre.x, cy: centre.y, rx, ry }),
        keep: (ellipse) => (ellipse.rx < view.px(2) || ellipse.ry < view.px(2) ? null
          : { geometry: toValue(ellipse, view.size) }),
      });
    },

    render(region, view) {
      const { centre, rx, ry, rotation } = toPixels(region.geometry, view.size);
      const color = view.color(region);
      return svg("g", { transform: `translate(${centre.x} ${centre.y}) rotate(${rotation})` },
        svg("ellipse", { class: "lc-shape", cx: 0, cy: 0, rx, ry, fill: color, "fill-opacity": style.fillOpacity,
          stroke: color }));
    },

    anchor(region, view) {
      const { centre, ry } = toPixels(region.geometry, view.size);
      return { x: centre.x, y: centre.y - ry };
    },

    handles(region, view) {
      const { centre, rx, ry, rotation } = toPixels(region.geometry, view.size);
      const at = (x, y) => add(centre, rotate({ x, y }, rotation));
      const out = [{ key: "e", ...at(rx, 0) }, { key: "w", ...at(-rx, 0) }, { key: "n", ...at(0, -ry) },
        { key: "s", ...at(0, ry) }].map((handle) => ({ ...handle, cursor: CURSORS[handle.key] }));
      if (style.canRotate) out.push({ key: "rotate", cursor: CURSORS.rotate, ...at(0, -ry - view.px(22)) });
      return out;
    },

    dragHandle(start, handle, point, view) {
      const ellipse = toPixels(start, view.size);
      const local = rotate(sub(point, ellipse.centre), -ellipse.rotation);
      if (handle.key === "rotate") {
        ellipse.rotation = (Math.atan2(point.y - ellipse.centre.y, point.x - ellipse.centre.x) * 180) / Math.PI + 90;
      } else if (handle.key === "e" || handle.key === "w") {
        ellipse.rx = Math.max(Math.abs(local.x), view.px(2));
      } else {
        ellipse.ry = Math.max(Math.abs(local.y), view.px(2));
      }
      return toValue(ellipse, view.size);
    },

    move(start, dx, dy, view) {
      const ellipse = toPixels(start, view.size);
      ellipse.centre = clampPoint({ x: ellipse.centre.x + dx, y: ellipse.centre.y + dy }, view.size);
      return toValue(ellipse, view.size);
    },
  };
}
