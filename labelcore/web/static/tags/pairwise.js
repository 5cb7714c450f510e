// <Pairwise toName="left,right">: which of two objects is better. The result names the control
// itself as to_name, as Label Studio writes it.

import { controlValue, targets } from "../editor/control.js";

export function mount(node, ctx) {
  const state = controlValue(node, ctx, "selected", { toSelf: true });
  const [left, right] = targets(node);
  const choose = (side) => state.set(state.get() === side ? null : side);
  const buttons = {
    left: ctx.h("button", { type: "button", class: "lc-button", "data-side": "left", onclick: () => choose("left") },
      `Left is better (${left})`),
    right: ctx.h("button", { type: "button", class: "lc-button", "data-side": "right", onclick: () => choose("right") },
      `Right is better (${right})`),
  };
  ctx.el.append(ctx.h("div", { class: "lc-pairwise" }, buttons.left, buttons.right));
  ctx.engine.hotkeys.bind("arrowleft", () => choose("left"), { description: "Left is better" });
  ctx.engine.hotkeys.bind("arrowright", () => choose("right"), { description: "Right is better" });
  let objects = [];
  return {
    connect() {
      const root = ctx.el.closest(".lc-editor") || document;
      objects = [left, right].map((name) => root.querySelector(`.lc-tag[data-name="${CSS.escape(name)}"]`));
    },
    update() {
      const selected = state.get();
      for (const side of ["left", "right"]) {
        buttons[side].classList.toggle("lc-on", selected === side);
        buttons[side].disabled = Boolean(ctx.readonly);
      }
      objects.forEach((element, index) => {
        if (!element) return;
        element.classList.toggle(node.attrs.leftClass || "lc-pair-chosen", index === 0 && selected === "left");
        element.classList.toggle(node.attrs.rightClass || "lc-pair-chosen", index === 1 && selected === "right");
      });
    },
  };
}
