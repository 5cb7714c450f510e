// <Number>: a number within min/max and step, as an input or a slider.

import { flag, number } from "../editor/dom.js";
import { controlValue } from "../editor/control.js";

export function mount(node, ctx) {
  const state = controlValue(node, ctx, "number");
  const input = ctx.h("input", { type: flag(node.attrs.slider) ? "range" : "number", min: node.attrs.min,
    max: node.attrs.max, step: node.attrs.step || "any", "aria-label": node.name });
  const shown = ctx.h("output", {});
  ctx.el.classList.add("lc-number");
  ctx.el.append(input);
  if (flag(node.attrs.slider)) ctx.el.append(shown);
  input.addEventListener("change", () => {
    const value = Number.parseFloat(input.value);
    state.set(Number.isFinite(value) ? value : null);
  });
  if (node.attrs.hotkey) ctx.engine.hotkeys.bind(node.attrs.hotkey, () => input.focus(), { description: `Edit ${node.name}` });
  return {
    defaults() {
      const preset = number(node.attrs.defaultValue, undefined);
      if (!state.perRegion && preset !== undefined && state.get() === undefined) state.set(preset);
    },
    update() {
      const value = state.get();
      if (document.activeElement !== input) input.value = value === undefined ? "" : String(value);
      shown.textContent = value === undefined ? "" : String(value);
      input.disabled = Boolean(ctx.readonly);
    },
  };
}
