// The label palette every *Labels control shares (Labels, RectangleLabels, PolygonLabels, ...).
// With a region selected a click relabels it; otherwise the label becomes the active one for
// drawing the next region. See docs/tag_protocol.md §6.

import { h, flag, number } from "./dom.js";

const GENERIC = new Set(["labels", "hypertextlabels", "paragraphlabels", "timeserieslabels"]);

/** "rectanglelabels" -> "rectangle"; generic label types -> "" (they fit any region). */
export function shapeOfType(type) {
  return GENERIC.has(type) ? "" : type.replace(/labels$/, "");
}

/** Whether a labels control of `type` may label `region` (a RectangleLabels cannot label a polygon). */
export function canLabel(type, region) {
  const shape = shapeOfType(type);
  if (!shape) return true;
  return Object.values(region.items).some((item) => item.type === shape || item.type === `${shape}labels`);
}

export function mountLabelsPalette(node, ctx) {
  const { store, engine } = ctx;
  const name = node.name;
  const type = node.tag.toLowerCase();
  const targets = (node.attrs.toName || "").split(",").map((part) => part.trim()).filter(Boolean);
  const single = (node.attrs.choice || "single") !== "multiple";
  const maxUsages = number(node.attrs.maxUsages, 0);
  const inline = flag(node.attrs.showInline, true);
  const options = engine.labels(name);
  const list = h("div", { class: `lc-labels${inline ? " lc-inline" : ""}`, role: "toolbar",
    "aria-label": name });
  ctx.el.append(list);

  function selectedRegion() {
    const region = store.selected();
    return region && targets.includes(region.object) && canLabel(type, region) ? region : null;
  }

  function usages(value) {
    return store.regions().filter((region) => {
      const item = region.items[name];
      return item && (item.value[type] || []).includes(value);
    }).length;
  }

  function pick(option) {
    if (ctx.readonly) return;
    const region = selectedRegion();
    if (region && !region.locked) {
      const current = (region.items[name] && region.items[name].value[type]) || [];
      let next;
      if (single) next = [option.result];
      else next = current.includes(option.result) ? current.filter((v) => v !== option.result) : [...current, option.result];
      if (!next.length && !flag(node.attrs.allowEmpty)) return;
      store.setItem(region.id, name, { type, value: { [type]: next } });
      return;
    }
    if (store.selected()) store.select(null);
    const active = engine.activeLabels().find((entry) => entry.control === name);
    const current = active ? active.labels : [];
    let next;
    if (single) next = current.includes(option.result) ? [] : [option.result];
    else next = current.includes(option.result) ? current.filter((v) => v !== option.result) : [...current, option.result];
    engine.setActiveLabels(name, next);
  }

  const buttons = options.map((option) => {
    const button = h("button", {
      type: "button", class: "lc-label", title: option.hint || option.value, "data-value": option.value,
      style: { "--label-color": option.color }, onclick: () => pick(option),
    }, h("span", { class: "lc-swatch" }), h("span", { class: "lc-label-text" }, option.shown),
    option.hotkey ? h("kbd", {}, option.hotkey) : null);
    if (option.hotkey) engine.hotkeys.bind(option.hotkey, () => pick(option), { description: `${name}: ${option.value}` });
    list.append(button);
    return [option, button];
  });

  const preset = options.filter((option) => option.selected).map((option) => option.result);
  if (preset.length) engine.setActiveLabels(name, single ? preset.slice(0, 1) : preset);

  return {
    type,
    update() {
      const region = selectedRegion();
      const shown = region
        ? ((region.items[name] && region.items[name].value[type]) || [])
        : ((engine.activeLabels().find((entry) => entry.control === name) || {}).labels || []);
      for (const [option, button] of buttons) {
        const on = shown.includes(option.result);
        button.classList.toggle("lc-on", on);
        button.setAttribute("aria-pressed", String(on));
        button.disabled = Boolean(ctx.readonly) ||
          Boolean(maxUsages && !on && usages(option.result) >= maxUsages) ||
          Boolean(option.maxUsages && !on && usages(option.result) >= option.maxUsages);
      }
      list.classList.toggle("lc-relabel", Boolean(region));
    },
    filter(text) {
      const wanted = text.toLowerCase();
      for (const [option, button] of buttons) button.hidden = Boolean(wanted) && !option.value.toLowerCase().includes(wanted);
    },
  };
}
