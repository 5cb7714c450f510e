// Label options of the labels controls, their colours and the hotkeys given to labels without one.

import { resolve } from "./data.js";
import { flag, number } from "./dom.js";

const COLORS = ["#e5484d", "#3e63dd", "#30a46c", "#f76b15", "#8e4ec6", "#0797b9", "#d6409f", "#978365",
  "#5b5bd6", "#46a758", "#ffc53d", "#12a594"];

const COLOR = /^(#[0-9a-f]{3,8}|[a-z]{3,30}|(rgb|rgba|hsl|hsla)\([\d\s.,%\/+-]{1,60}\))$/i;

/** A colour from a config or task data, or null: only #hex, names and rgb()/hsl() reach CSS. */
export function safeColor(value) {
  const text = String(value ?? "").trim();
  return COLOR.test(text) ? text : null;
}

/** Stable colours for values that set none (by first use). */
export class Palette {
  constructor() {
    this.used = new Map();
  }

  color(value) {
    if (!this.used.has(value)) this.used.set(value, COLORS[this.used.size % COLORS.length]);
    return this.used.get(value);
  }
}

/** The options of a labels control: its <Label> children, plus labels from task data (value="$field"). */
export function labelOptions(node, data, palette) {
  const options = [];
  const add = (attrs) => {
    if (attrs.value === undefined || attrs.value === null) return;
    const value = String(attrs.value);
    options.push({
      value,
      result: attrs.alias ? String(attrs.alias) : value, // Label Studio saves the alias when there is one
      shown: flag(attrs.showAlias) && attrs.alias ? attrs.alias : value,
      alias: attrs.alias,
      hint: attrs.hint,
      hotkey: attrs.hotkey || null,
      selected: flag(attrs.selected),
      maxUsages: number(attrs.maxUsages, 0),
      color: safeColor(attrs.background) || palette.color(value),
      granularity: attrs.granularity,
    });
  };
  for (const child of node.children) if (child.tag === "Label") add(child.attrs);
  const dynamic = resolve(data, node.attrs.value);
  if (node.attrs.value && Array.isArray(dynamic)) {
    for (const item of dynamic) add(typeof item === "object" && item ? item : { value: item });
  }
  for (const option of options) {
    palette.used.set(option.value, option.color);
    palette.used.set(option.result, option.color);
  }
  return options;
}

function configHotkeys(root) {
  const used = new Set();
  const visit = (node) => {
    if (node.attrs && node.attrs.hotkey) for (const key of node.attrs.hotkey.split(",")) used.add(key.trim().toLowerCase());
    node.children.forEach(visit);
  };
  visit(root);
  return used;
}

/** Label Studio gives labels without a hotkey the digits 1..9, then 0, in document order. */
export function assignLabelHotkeys(optionLists, root) {
  const used = configHotkeys(root);
  const free = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"].filter((key) => !used.has(key));
  for (const options of optionLists) {
    for (const option of options) {
      if (!option.hotkey && free.length) option.hotkey = free.shift();
    }
  }
}
