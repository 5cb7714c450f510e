// <KeyPoint> and <KeyPointLabels>: a click places a point; drag a point to move it. The saved
// width is the point's size (strokeWidth pixels) in percent of the image width, as Label Studio
// writes it.

import { number, svg } from "/static/editor/dom.js";
import { mountShapeControl, shapeStyle } from "./shape.js";
import { clampPoint, percentX, percentY, pixelsX, pixelsY } from "./geometry.js";

export const resultTypes = {
  keypoint: { region: true },
  keypointlabels: { region: true, key: "keypointlabels" },
};

export function mount(node, ctx) {
  return mountShapeControl(node, ctx, keypointTool);
}

function keypointTool(node) {
  const style = shapeStyle(node, { opacity: 0.9 });
  const size = number(node.attrs.strokeWidth, 2);
  return {
    name: node.name,
    control: node.name,
    clickToDraw: true,
    shape: "keypoint",
    title: "Key point",
    icon: "keypoint",
    hotkey: "k",

    begin(start, view) {
      const at = clampPoint(start, view.size);
      const geometry = { x: percentX(at.x, view.size), y: percentY(at.y, view.size), width: percentX(size, view.size) };
      return { up: () => ({ geometry }) };
    },

    render(region, view) {
      const color = view.color(region);
      const { x, y, width } = region.geometry;
      const radius = Math.max(pixelsX(width || 0, view.size), view.px(6));
      return svg("g", {}, svg("circle", { class: "lc-shape", cx: pixelsX(x, view.size), cy: pixelsY(y, view.size),
        r: radius, fill: color, "fill-opacity": style.fillOpacity, stroke: "#fff" }));
    },

    anchor(region, view) {
      return { x: pixelsX(region.geometry.x, view.size), y: pixelsY(region.geometry.y, view.size) - view.px(6) };
    },

    move(start, dx, dy, view) {
      const at = clampPoint({ x: pixelsX(start.x, view.size) + dx, y: pixelsY(start.y, view.size) + dy }, view.size);
      return { ...start, x: percentX(at.x, view.size), y: percentY(at.y, view.size) };
    },
  };
}
