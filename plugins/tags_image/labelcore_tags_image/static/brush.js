// <Brush> and <BrushLabels>: paint masks (a new region per stroke, or more paint on the selected
// brush region); the eraser removes paint from the selected region. <MagicWand>: a click selects
// the area of similar colour around it (flood fill within defaultThreshold). Masks are saved as
// Label Studio's RLE of the image's RGBA bytes, with the alpha copied into R, G and B.

import { h, number } from "/static/editor/dom.js";
import { mountShapeControl } from "./shape.js";
import { decode, encode } from "./rle.js";

export const resultTypes = {
  brush: { region: true },
  brushlabels: { region: true, key: "brushlabels" },
  magicwand: { region: true },
};

export function mount(node, ctx) {
  return mountShapeControl(node, ctx, brushTools);
}

/** The pixels around (x, y) whose colour is within `threshold` of its colour, as a mask canvas. */
function floodFill(image, size, start, threshold) {
  const source = document.createElement("canvas");
  source.width = size.width;
  source.height = size.height;
  const context = source.getContext("2d", { willReadFrequently: true });
  context.drawImage(image, 0, 0);
  const { data } = context.getImageData(0, 0, size.width, size.height); // throws for a cross-origin image
  const { width, height } = size;
  const seed = (Math.floor(start.y) * width + Math.floor(start.x)) * 4;
  const close = (pixel) => Math.max(Math.abs(data[pixel] - data[seed]), Math.abs(data[pixel + 1] - data[seed + 1]),
    Math.abs(data[pixel + 2] - data[seed + 2])) <= threshold;
  const inside = new Uint8Array(width * height);
  const stack = [Math.floor(start.y) * width + Math.floor(start.x)];
  while (stack.length) {
    const index = stack.pop();
    if (inside[index] || !close(index * 4)) continue;
    inside[index] = 1;
    const x = index % width;
    if (x > 0) stack.push(index - 1);
    if (x < width - 1) stack.push(index + 1);
    if (index >= width) stack.push(index - width);
    if (index < width * (height - 1)) stack.push(index + width);
  }
  const mask = new ImageData(width, height);
  for (let index = 0; index < inside.length; index += 1) {
    if (inside[index]) mask.data.fill(255, index * 4, index * 4 + 4);
  }
  return mask;
}

function canvases(size) {
  const make = () => {
    const canvas = document.createElement("canvas");
    canvas.width = size.width;
    canvas.height = size.height;
    return canvas;
  };
  return { mask: make(), display: make() };
}

/** The mask as RLE bytes (alpha thresholded: the saved mask is crisp). */
function maskToRle(mask) {
  const { data } = mask.getContext("2d").getImageData(0, 0, mask.width, mask.height);
  const values = new Uint8Array(data.length);
  let painted = false;
  for (let index = 3; index < data.length; index += 4) {
    if (data[index] >= 128) {
      values.fill(255, index - 3, index + 1);
      painted = true;
    }
  }
  return painted ? encode(values) : null;
}

function paintFrom(values, layers, color, size) {
  const pixels = new ImageData(size.width, size.height);
  const count = Math.min(values.length, pixels.data.length);
  for (let index = 3; index < count; index += 4) {
    const alpha = values[index];
    if (alpha) {
      pixels.data.fill(255, index - 3, index);
      pixels.data[index] = alpha;
    }
  }
  layers.mask.getContext("2d").putImageData(pixels, 0, 0);
  recolor(layers, color);
}

function recolor(layers, color) {
  const context = layers.display.getContext("2d");
  context.globalCompositeOperation = "copy";
  context.drawImage(layers.mask, 0, 0);
  context.globalCompositeOperation = "source-in";
  context.fillStyle = color;
  context.fillRect(0, 0, layers.display.width, layers.display.height);
  context.globalCompositeOperation = "source-over";
  layers.color = color;
}

function brushTools(node, ctx) {
  const cache = new Map(); // region id -> {rle, mask, display, color}
  const fresh = new WeakMap(); // rle array just painted -> its canvases (no decode needed)
  const state = { size: number(node.attrs.strokeWidth, 15) };

  function layersFor(region, view) {
    let entry = cache.get(region.id);
    const rle = region.geometry.rle;
    if (!entry || entry.rle !== rle || entry.width !== view.size.width) {
      entry = fresh.get(rle) || { ...canvases(view.size) };
      if (!fresh.has(rle)) {
        try {
          paintFrom(decode(rle || []), entry, view.color(region), view.size);
        } catch (error) {
          ctx.engine.notify(`A brush mask could not be read: ${error.message}`);
        }
      }
      Object.assign(entry, { rle, width: view.size.width });
      cache.set(region.id, entry);
    }
    if (entry.color !== view.color(region)) recolor(entry, view.color(region));
    return entry;
  }

  function ownRegion(view) {
    const region = ctx.store.selected();
    if (!region || region.locked || region.object !== view.node.name) return null;
    const tool = view.image.toolFor(region);
    return tool && tool.control === node.name ? region : null;
  }

  function session(start, view, erase) {
    const target = ownRegion(view);
    if (erase && !target) {
      ctx.engine.notify("Select a brush region to erase from");
      return null;
    }
    if (!erase && !target && !ctx.engine.activeLabels(view.node.name).length && node.tag === "BrushLabels") {
      ctx.engine.notify("Pick a label first");
      return null;
    }
    const layers = target ? layersFor(target, view) : canvases(view.size);
    const color = target ? view.color(target) : activeColor(view);
    if (!target) {
      layers.display.classList.add("lc-painting");
      view.image.raster.append(layers.display);
    }
    const contexts = [layers.mask.getContext("2d"), layers.display.getContext("2d")];
    contexts.forEach((context, index) => {
      context.lineCap = "round";
      context.lineJoin = "round";
      context.lineWidth = state.size;
      context.globalCompositeOperation = erase ? "destination-out" : "source-over";
      context.strokeStyle = index === 0 ? "#fff" : color;
      context.fillStyle = context.strokeStyle;
    });
    let last = start;
    const stroke = (point) => {
      for (const context of contexts) {
        context.beginPath();
        context.moveTo(last.x, last.y);
        context.lineTo(point.x + 0.01, point.y);
        context.stroke();
      }
      last = point;
    };
    stroke(start);
    return {
      move: (point) => stroke(point),
      up(point) {
        stroke(point);
        for (const context of contexts) context.globalCompositeOperation = "source-over";
        const rle = maskToRle(layers.mask);
        layers.display.remove();
        if (!rle) {
          if (target) ctx.store.removeRegion(target.id);
          return null;
        }
        fresh.set(rle, Object.assign(layers, { color }));
        return { geometry: { format: "rle", rle }, region: target ? target.id : undefined };
      },
      cancel() {
        layers.display.remove();
        if (target) cache.delete(target.id);
      },
    };
  }

  function activeColor(view) {
    const active = ctx.engine.activeLabels(view.node.name).find((entry) => entry.control === node.name) ||
      ctx.engine.activeLabels(view.node.name)[0];
    return active ? ctx.engine.labelColor(active.control, active.labels[0]) : node.attrs.fillColor || "#f48a42";
  }

  const sizeControl = () => {
    const input = h("input", { type: "range", min: "1", max: "100", value: String(state.size), "aria-label": "Brush size" });
    const shown = h("span", {}, `${state.size}px`);
    input.addEventListener("input", () => {
      state.size = Number(input.value);
      shown.textContent = `${state.size}px`;
    });
    return h("label", { class: "lc-brush-size", title: "Brush size" }, "Size", input, shown);
  };

  const shared = {
    control: node.name,
    shape: "brush",
    paintsOver: true,
    render: (region, view) => layersFor(region, view).display,
    hit(region, point, view) {
      const { mask } = layersFor(region, view);
      const x = Math.floor(point.x);
      const y = Math.floor(point.y);
      if (x < 0 || y < 0 || x >= mask.width || y >= mask.height) return false;
      return mask.getContext("2d").getImageData(x, y, 1, 1).data[3] > 0;
    },
    options: sizeControl,
  };
  if (node.tag === "MagicWand") {
    const threshold = number(node.attrs.defaultthreshold ?? node.attrs.defaultThreshold, 15);
    return [{ ...shared, name: node.name, title: "Magic wand", icon: "wand", hotkey: "w", paintsOver: false,
      begin(point, view) {
        let pixels;
        try {
          pixels = floodFill(view.image.img, view.size, point, threshold);
        } catch (error) {
          ctx.engine.notify("The magic wand needs an image from this server");
          return null;
        }
        const layers = canvases(view.size);
        layers.mask.getContext("2d").putImageData(pixels, 0, 0);
        return { up() {
          const rle = maskToRle(layers.mask);
          if (!rle) return null;
          recolor(layers, activeColor(view));
          fresh.set(rle, layers);
          return { geometry: { format: "rle", rle } };
        } };
      } }];
  }
  return [
    { ...shared, name: node.name, title: "Brush", icon: "brush", hotkey: "b",
      begin: (point, view) => session(point, view, false) },
    { ...shared, name: `${node.name}:eraser`, title: "Eraser", icon: "eraser", hotkey: "e", secondary: true,
      begin: (point, view) => session(point, view, true) },
  ];
}
