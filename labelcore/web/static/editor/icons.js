// A few 16px stroke icons, built as SVG elements (no markup strings).

import { svg } from "./dom.js";

const PATHS = {
  undo: ["M4 7h7a3 3 0 0 1 0 6H8", "M6.5 4.5 4 7l2.5 2.5"],
  redo: ["M12 7H5a3 3 0 0 0 0 6h3", "M9.5 4.5 12 7 9.5 9.5"],
  eye: ["M1.5 8S4 3.5 8 3.5 14.5 8 14.5 8 12 12.5 8 12.5 1.5 8 1.5 8Z", "M8 6a2 2 0 1 0 0 4 2 2 0 0 0 0-4Z"],
  eyeOff: ["M2 2l12 12", "M6.5 4A7 7 0 0 1 8 3.5c4 0 6.5 4.5 6.5 4.5a11 11 0 0 1-2 2.5", "M4.2 5.2A11 11 0 0 0 1.5 8S4 12.5 8 12.5a6.5 6.5 0 0 0 3-.7"],
  lock: ["M4 7.5h8v6H4z", "M5.5 7.5V5a2.5 2.5 0 0 1 5 0v2.5"],
  unlock: ["M4 7.5h8v6H4z", "M5.5 7.5V5a2.5 2.5 0 0 1 4.9-.7"],
  trash: ["M3 4.5h10", "M6.5 4.5V3h3v1.5", "M4.5 4.5l.7 9h5.6l.7-9"],
  link: ["M7 9a2.5 2.5 0 0 0 3.5 0l2-2A2.5 2.5 0 0 0 9 3.5l-1 1", "M9 7a2.5 2.5 0 0 0-3.5 0l-2 2A2.5 2.5 0 0 0 7 12.5l1-1"],
  keyboard: ["M1.5 4.5h13v7h-13z", "M4 7h.01M6.5 7h.01M9 7h.01M11.5 7h.01M5 9.5h6"],
  arrowRight: ["M3 8h10", "M9.5 4.5 13 8l-3.5 3.5"],
  arrowLeft: ["M13 8H3", "M6.5 4.5 3 8l3.5 3.5"],
  arrowBoth: ["M2.5 8h11", "M5.5 5 2.5 8l3 3", "M10.5 5l3 3-3 3"],
  zoomIn: ["M7 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z", "M10 10l3.5 3.5", "M5 7h4M7 5v4"],
  zoomOut: ["M7 3a4 4 0 1 0 0 8 4 4 0 0 0 0-8Z", "M10 10l3.5 3.5", "M5 7h4"],
  fit: ["M2.5 6V2.5H6", "M10 2.5h3.5V6", "M13.5 10v3.5H10", "M6 13.5H2.5V10"],
  pointer: ["M4 2.5l8 5.5-3.5.8L10.5 13l-1.6.8-2-4.2L4 12z"],
  hand: ["M5 8V3.8a1 1 0 0 1 2 0V7.5", "M7 7V3a1 1 0 0 1 2 0v4", "M9 7V4a1 1 0 0 1 2 0v5", "M11 6.5a1 1 0 0 1 2 0V10a4 4 0 0 1-4 4H8a4 4 0 0 1-3.4-1.9L3 9.5a1 1 0 0 1 1.7-1L5 9"],
  rectangle: ["M2.5 3.5h11v9h-11z"],
  polygon: ["M3 5l5-3 5 4-2 7H5z"],
  ellipse: ["M8 3.5c3.6 0 6 2 6 4.5s-2.4 4.5-6 4.5S2 10.5 2 8s2.4-4.5 6-4.5Z"],
  keypoint: ["M8 6a2 2 0 1 0 0 4 2 2 0 0 0 0-4Z", "M8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2"],
  brush: ["M13.5 2.5 7 9", "M7 9c-1.5-.3-3 .6-3 2.3 0 1.2-.8 1.7-1.5 2.2 2.5.5 5.5-.2 5.5-2.5"],
  eraser: ["M6 13.5h7.5", "M2.8 10.2 9.5 3.5a1 1 0 0 1 1.4 0l2.6 2.6a1 1 0 0 1 0 1.4L7.5 13.5H5.2z", "M5.5 7.5l4 4"],
  wand: ["M2.5 13.5l8-8", "M12 1.5v2M14.5 4h-2M12 6.5v-1", "M9.5 3.5l1 1"],
  sun: ["M8 5.5a2.5 2.5 0 1 0 0 5 2.5 2.5 0 0 0 0-5Z", "M8 1.5v1.5M8 13v1.5M1.5 8H3M13 8h1.5M3.4 3.4l1 1M11.6 11.6l1 1M3.4 12.6l1-1M11.6 4.4l1-1"],
  contrast: ["M8 2a6 6 0 1 0 0 12A6 6 0 0 0 8 2Z", "M8 2v12"],
  rotate: ["M13 8a5 5 0 1 1-1.5-3.6", "M13 2.5V5h-2.5"],
  prev: ["M10 3.5 5.5 8l4.5 4.5"],
  next: ["M6 3.5 10.5 8 6 12.5"],
};

export function icon(name, title) {
  const element = svg("svg", { viewBox: "0 0 16 16", width: 16, height: 16, class: "lc-icon",
    "aria-hidden": title ? null : "true", fill: "none", stroke: "currentColor", "stroke-width": 1.4,
    "stroke-linecap": "round", "stroke-linejoin": "round" });
  if (title) element.append(svg("title", {}, title));
  for (const d of PATHS[name] || []) element.append(svg("path", { d }));
  return element;
}
