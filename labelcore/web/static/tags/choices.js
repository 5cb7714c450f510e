// <Choices>: pick one or several options (<Choice> children, or a list in task data).

import { flag } from "../editor/dom.js";
import { controlValue } from "../editor/control.js";
import { sanitizeHTML } from "../editor/sanitize.js";

function optionsOf(node, ctx) {
  const options = [];
  const fromNode = (child, path) => {
    const value = child.attrs.value;
    const option = { value, result: child.attrs.alias || value, hotkey: child.attrs.hotkey, hint: child.attrs.hint,
      html: child.attrs.html, style: child.attrs.style, selected: flag(child.attrs.selected), path: [...path, value] };
    option.children = child.children.filter((c) => c.tag === "Choice").map((c) => fromNode(c, option.path));
    return option;
  };
  const fromData = (item, path) => {
    if (!item || typeof item !== "object" || item.value === undefined) return null;
    const value = String(item.value);
    const option = { value, result: item.alias ? String(item.alias) : value, hint: item.hint, html: item.html,
      path: [...path, value] };
    option.children = (Array.isArray(item.children) ? item.children : []).map((c) => fromData(c, option.path))
      .filter(Boolean);
    return option;
  };
  for (const child of node.children) if (child.tag === "Choice") options.push(fromNode(child, []));
  const dynamic = node.attrs.value ? ctx.resolve(node.attrs.value) : undefined;
  if (Array.isArray(dynamic)) options.push(...dynamic.map((item) => fromData(item, [])).filter(Boolean));
  return options;
}

export function mount(node, ctx) {
  const state = controlValue(node, ctx, "choices");
  const mode = node.attrs.choice || "single";
  const multiple = mode === "multiple";
  const nested = flag(node.attrs.allowNested);
  const layout = node.attrs.layout || (flag(node.attrs.showInline) ? "inline" : "vertical");
  const options = optionsOf(node, ctx);
  const flat = [];
  const walk = (list, depth) => list.forEach((option) => { flat.push({ option, depth }); walk(option.children, depth + 1); });
  walk(options, 0);
  const keyOf = (option) => (nested ? JSON.stringify(option.path.slice(0, -1).concat(option.result)) : option.result);
  const chosen = () => (state.get() || []).map((entry) => (nested ? JSON.stringify(entry) : entry));

  function toggle(option) {
    if (ctx.readonly) return;
    const current = state.get() || [];
    const value = nested ? [...option.path.slice(0, -1), option.result] : option.result;
    const has = chosen().includes(keyOf(option));
    let next;
    if (multiple) next = has ? current.filter((entry) => JSON.stringify(entry) !== JSON.stringify(value)) : [...current, value];
    else next = has && mode !== "single-radio" ? [] : [value];
    state.set(next);
  }

  let inputs = [];
  if (layout === "select") {
    const select = ctx.h("select", { "aria-label": node.name, multiple: multiple || null,
      onchange: () => {
        const values = [...select.selectedOptions].map((element) => flat[Number(element.value)].option);
        state.set(values.map((option) => (nested ? [...option.path.slice(0, -1), option.result] : option.result)));
      } },
    multiple ? null : ctx.h("option", { value: "" }, "—"),
    flat.map(({ option, depth }, index) => ctx.h("option", { value: String(index) }, `${"  ".repeat(depth)}${option.value}`)));
    ctx.el.append(ctx.h("div", { class: "lc-choices lc-select" }, select));
    inputs = flat.map((_, index) => ({ set: (on) => { select.querySelector(`option[value="${index}"]`).selected = on; } }));
  } else {
    const box = ctx.h("div", { class: `lc-choices${layout === "inline" ? " lc-inline" : ""}`, role: "group",
      "aria-label": node.name });
    for (const { option, depth } of flat) {
      const input = ctx.h("input", { type: multiple ? "checkbox" : mode === "single-radio" ? "radio" : "checkbox",
        name: `lc-${node.name}`, value: option.result, onchange: () => toggle(option) });
      const text = ctx.h("span", {});
      if (option.html) text.append(sanitizeHTML(option.html));
      else text.textContent = option.value;
      const label = ctx.h("label", { class: "lc-choice", title: option.hint || null, "data-value": option.value,
        style: depth ? { marginLeft: `${depth * 18}px` } : null }, input, text,
      option.hotkey ? ctx.h("kbd", {}, option.hotkey) : null);
      if (option.style) label.style.cssText += `;${option.style}`;
      box.append(label);
      inputs.push({ set: (on) => { input.checked = on; }, label, option, input });
    }
    ctx.el.append(box);
  }
  for (const { option } of flat) {
    if (option.hotkey) ctx.engine.hotkeys.bind(option.hotkey, () => toggle(option), { description: `${node.name}: ${option.value}` });
  }

  return {
    defaults() {
      if (state.perRegion || state.get()) return;
      const preset = flat.filter(({ option }) => option.selected).map(({ option }) =>
        (nested ? [...option.path.slice(0, -1), option.result] : option.result));
      if (preset.length) state.set(multiple ? preset : preset.slice(0, 1));
    },
    update() {
      const current = chosen();
      flat.forEach(({ option }, index) => {
        inputs[index].set(current.includes(keyOf(option)));
        if (inputs[index].input) inputs[index].input.disabled = Boolean(ctx.readonly);
      });
    },
    filter(text) {
      const wanted = text.toLowerCase();
      for (const input of inputs) {
        if (input.label) input.label.hidden = Boolean(wanted) && !input.option.value.toLowerCase().includes(wanted);
      }
    },
  };
}
