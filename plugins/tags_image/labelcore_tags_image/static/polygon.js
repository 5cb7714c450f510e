// <Polygon> and <PolygonLabels>: click to add points; click the first point, double-click or
// press Enter to close; Backspace takes back the last point, Escape cancels. A selected polygon
// has a handle per point (drag it; double-click it to remove it) and one mid-edge (drag it to add).

import { svg } from "/static/editor/dom.js";
import { mountShapeControl, shapeStyle } from "./shape.js";
import { clamp, clampPoint, distance, percentX, percentY, pixelsX, pixelsY } from "./geometry.js";

export const resultTypes = {
  polygon: { region: true },
  polygonlabels: { region: true, key: "polygonlabels" },
};

export function mount(node, ctx) {
  return mountShapeControl(node, ctx, polygonTool);
}

const toPixels = (geometry, size) => (geometry.points || []).map(([x, y]) => ({ x: pixelsX(x, size), y: pixelsY(y, size) }));
const toValue = (points, size) => ({ points: points.map((p) => [percentX(p.x, size), percentY(p.y, size)]), closed: true });
const pointList = (points) => points.map((p) => `${p.x},${p.y}`).join(" ");

function polygonTool(node) {
  const style = shapeStyle(node, { strokeWidth: 2 });
  return {
    name: node.name,
    control: node.name,
    clickToDraw: true,
    shape: "polygon",
    title: "Polygon",
    icon: "polygon",
    hotkey: "p",

    begin(start, view) {
      const points = [clampPoint(start, view.size)];
      let hover = points[0];
      const line = svg("polyline", { class: "lc-shape", fill: "none", stroke: "#3e63dd" });
      const vertices = svg("g", {});
      const preview = svg("g", {}, line, vertices);
      const nearFirst = (point) => points.length >= 3 && distance(point, points[0]) <= view.px(9);
      const draw = () => {
        line.setAttribute("points", pointList([...points, hover]));
        vertices.replaceChildren(...points.map((p, index) => svg("circle", {
          class: `lc-vertex${index === 0 ? " lc-first" : ""}`, cx: p.x, cy: p.y,
          r: view.px(index === 0 && nearFirst(hover) ? 7 : 4), stroke: "#3e63dd" })));
      };
      const close = () => (points.length >= 3 ? { geometry: toValue(points, view.size) } : null);
      draw();
      return {
        preview,
        move(point) {
          hover = clampPoint(point, view.size);
          draw();
        },
        up() {
          return "continue";
        },
        down(point) {
          const at = clampPoint(point, view.size);
          if (nearFirst(at)) return close();
          if (distance(at, points[points.length - 1]) > view.px(2)) points.push(at);
          draw();
          return "continue";
        },
        dblclick() {
          return close();
        },
        key(key) {
          if (key === "enter") return close() || "continue";
          if (key === "backspace") {
            points.pop();
            if (!points.length) return null;
            draw();
            return "continue";
          }
          return undefined;
        },
      };
    },

    render(region, view) {
      const color = view.color(region);
      const points = toPixels(region.geometry, view.size);
      const closed = region.geometry.closed !== false;
      return svg("g", {}, svg(closed ? "polygon" : "polyline", { class: "lc-shape", points: pointList(points),
        fill: closed ? color : "none", "fill-opacity": style.fillOpacity, stroke: color }));
    },

    anchor(region, view) {
      const points = toPixels(region.geometry, view.size);
      return points.reduce((best, p) => (p.y < best.y ? p : best), points[0] || { x: 0, y: 0 });
    },

    handles(region, view) {
      const points = toPixels(region.geometry, view.size);
      const vertices = points.map((p, index) => ({ key: "vertex", index, x: p.x, y: p.y, cursor: "move" }));
      const middles = points.map((p, index) => {
        const next = points[(index + 1) % points.length];
        return { key: "mid", index, x: (p.x + next.x) / 2, y: (p.y + next.y) / 2, cursor: "copy" };
      });
      return [...vertices, ...middles];
    },

    dragHandle(start, handle, point, view) {
      const points = toPixels(start, view.size);
      const at = clampPoint(point, view.size);
      if (handle.key === "vertex") points[handle.index] = at;
      else points.splice(handle.index + 1, 0, at);
      return { ...start, ...toValue(points, view.size), closed: start.closed !== false };
    },

    removeHandle(geometry, handle) {
      if (handle.key !== "vertex" || geometry.points.length <= 3) return null;
      return { ...geometry, points: geometry.points.filter((_, index) => index !== handle.index) };
    },

    move(start, dx, dy, view) {
      const points = toPixels(start, view.size);
      const xs = points.map((p) => p.x);
      const ys = points.map((p) => p.y);
      const shiftX = clamp(dx, -Math.min(...xs), view.size.width - Math.max(...xs));
      const shiftY = clamp(dy, -Math.min(...ys), view.size.height - Math.max(...ys));
      return { ...start, ...toValue(points.map((p) => ({ x: p.x + shiftX, y: p.y + shiftY })), view.size),
        closed: start.closed !== false };
    },
  };
}
