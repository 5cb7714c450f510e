// <Rating>: 1..maxRating stars (hearts, fire...); clicking the current rating clears it.

import { number } from "../editor/dom.js";
import { controlValue } from "../editor/control.js";

const ICONS = { star: "★", heart: "♥", fire: "🔥", smile: "☺" };

export function mount(node, ctx) {
  const state = controlValue(node, ctx, "rating");
  const most = Math.max(1, Math.round(number(node.attrs.maxRating, 5)));
  const symbol = ICONS[node.attrs.icon] || ICONS.star;
  const set = (rating) => state.set(state.get() === rating ? null : rating);
  const buttons = Array.from({ length: most }, (_, index) => ctx.h("button", {
    type: "button", "data-rating": String(index + 1), "aria-label": `${index + 1} of ${most}`,
    onclick: () => set(index + 1),
  }, symbol));
  ctx.el.append(ctx.h("div", { class: `lc-rating lc-${node.attrs.size || "medium"}`, role: "group",
    "aria-label": node.name }, buttons));
  if (node.attrs.hotkey) {
    ctx.engine.hotkeys.bind(node.attrs.hotkey, () => set(Math.min((state.get() || 0) + 1, most)),
      { description: `${node.name}: one more` });
  }
  return {
    defaults() {
      const preset = Math.round(number(node.attrs.defaultValue, 0));
      if (!state.perRegion && preset > 0 && !state.get()) state.set(Math.min(preset, most));
    },
    update() {
      const rating = state.get() || 0;
      buttons.forEach((button, index) => {
        button.classList.toggle("lc-on", index < rating);
        button.disabled = Boolean(ctx.readonly);
      });
    },
  };
}
