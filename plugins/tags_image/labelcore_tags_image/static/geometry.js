// Geometry in image pixels and its Label Studio form in percent of the original image.
// Rotation is in degrees, clockwise (y grows downwards): a rectangle turns about its top-left
// corner (x, y), an ellipse about its centre.

export const clamp = (value, low, high) => Math.min(Math.max(value, low), high);

export function rotate({ x, y }, degrees) {
  const angle = (degrees * Math.PI) / 180;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  return { x: x * cos - y * sin, y: x * sin + y * cos };
}

export const add = (a, b) => ({ x: a.x + b.x, y: a.y + b.y });
export const sub = (a, b) => ({ x: a.x - b.x, y: a.y - b.y });
export const distance = (a, b) => Math.hypot(a.x - b.x, a.y - b.y);

/** Degrees in [0, 360), rounded to hundredths. */
export function normalizeAngle(degrees) {
  const value = ((degrees % 360) + 360) % 360;
  return Math.round(value * 100) / 100 % 360;
}

/** Round a percentage for storage: 1e-9 keeps sub-pixel precision and drops float noise. */
export const round = (value) => Math.round(value * 1e9) / 1e9;

export const percentX = (px, size) => round((px / size.width) * 100);
export const percentY = (px, size) => round((px / size.height) * 100);
export const pixelsX = (percent, size) => (percent / 100) * size.width;
export const pixelsY = (percent, size) => (percent / 100) * size.height;

// ------------------------------------------------------------------ rectangles

/** {x, y, width, height, rotation} in percent -> {origin, w, h, rotation} in pixels */
export function rectPixels(value, size) {
  return { origin: { x: pixelsX(value.x, size), y: pixelsY(value.y, size) }, w: pixelsX(value.width, size),
    h: pixelsY(value.height, size), rotation: value.rotation || 0 };
}

export function rectPercent({ origin, w, h, rotation }, size) {
  return { x: percentX(origin.x, size), y: percentY(origin.y, size), width: percentX(w, size),
    height: percentY(h, size), rotation: normalizeAngle(rotation || 0) };
}

export function rectCorners({ origin, w, h, rotation }) {
  return [{ x: 0, y: 0 }, { x: w, y: 0 }, { x: w, y: h }, { x: 0, y: h }]
    .map((corner) => add(origin, rotate(corner, rotation)));
}

/** A point in the rectangle's own frame (origin at its top-left corner, axes along its sides). */
export const toLocal = (point, origin, rotation) => rotate(sub(point, origin), -rotation);
export const toGlobal = (point, origin, rotation) => add(origin, rotate(point, rotation));

/** Keep an upright box inside the image (a rotated one is left as drawn). */
export function clampRect(rect, size) {
  if (rect.rotation % 360 !== 0) return rect;
  const x = clamp(rect.origin.x, 0, size.width);
  const y = clamp(rect.origin.y, 0, size.height);
  return { ...rect, origin: { x, y }, w: clamp(rect.w, 0, size.width - x), h: clamp(rect.h, 0, size.height - y) };
}

export const clampPoint = (point, size) => ({ x: clamp(point.x, 0, size.width), y: clamp(point.y, 0, size.height) });
