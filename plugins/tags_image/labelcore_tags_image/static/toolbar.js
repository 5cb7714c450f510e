// The image toolbar: select/pan and the shape tools, the active tool's options, zoom, brightness
// and contrast, and the pager of a list of images.

import { h, flag } from "/static/editor/dom.js";
import { icon } from "/static/editor/icons.js";

function button(iconName, title, onclick, { on = false, ...attrs } = {}) {
  return h("button", { type: "button", class: `lc-icon-button${on ? " lc-on" : ""}`, title, "aria-label": title,
    "aria-pressed": String(on), onclick, ...attrs }, icon(iconName));
}

const group = (...items) => h("div", { class: "lc-tool-group" }, items);

function toolButtons(image) {
  const pick = (name) => () => image.setTool(name);
  const buttons = [
    button("pointer", "Select and move (V)", pick("select"), { on: image.tool === "select", "data-tool": "select" }),
    button("hand", "Pan (H, or drag with Space)", pick("pan"), { on: image.tool === "pan", "data-tool": "pan" }),
  ];
  for (const tool of image.tools.values()) {
    const title = `${tool.title}${tool.hotkey ? ` (${tool.hotkey.toUpperCase()})` : ""}`;
    buttons.push(button(tool.icon, title, pick(tool.name), { on: image.tool === tool.name, "data-tool": tool.name }));
  }
  return group(...buttons);
}

function zoomButtons(image) {
  image.zoomLabel = h("span", { class: "lc-zoom-label" }, `${Math.round(image.zoom * 100)}%`);
  return group(button("zoomOut", "Zoom out (Ctrl+-)", () => image.zoomBy(0.8)), image.zoomLabel,
    button("zoomIn", "Zoom in (Ctrl+=)", () => image.zoomBy(1.25)),
    button("fit", "Fit to the frame", () => image.fit()));
}

function slider(image, key, label, iconName) {
  const input = h("input", { type: "range", min: "0", max: "200", value: String(image.filters[key]),
    "aria-label": label, title: label });
  input.addEventListener("input", () => {
    image.filters[key] = Number(input.value);
    image.img.style.filter = `brightness(${image.filters.brightness}%) contrast(${image.filters.contrast}%)`;
  });
  return h("label", { class: "lc-slider" }, icon(iconName, label), input);
}

function pager(image) {
  const last = image.sources.length - 1;
  return group(button("prev", "Previous image", () => image.showPage(image.page - 1), { disabled: image.page === 0 }),
    h("span", { class: "lc-zoom-label" }, `${image.page + 1} / ${last + 1}`),
    button("next", "Next image", () => image.showPage(image.page + 1), { disabled: image.page >= last }));
}

/** The toolbar's groups for an ImageView, as they should be shown now. */
export function toolbarParts(image) {
  const attrs = image.node.attrs;
  const parts = [toolButtons(image)];
  const active = image.tools.get(image.tool);
  if (active && active.options) parts.push(group(active.options(image.view())));
  if (flag(attrs.zoom, true) && flag(attrs.zoomControl, true)) parts.push(zoomButtons(image));
  const sliders = [];
  if (flag(attrs.brightnessControl)) sliders.push(slider(image, "brightness", "Brightness", "sun"));
  if (flag(attrs.contrastControl)) sliders.push(slider(image, "contrast", "Contrast", "contrast"));
  if (sliders.length) parts.push(group(...sliders));
  if (image.multi && image.sources.length > 1) parts.push(pager(image));
  return parts;
}
