// <Taxonomy>: pick paths in a tree of nested <Choice>s (or one from task data / apiUrl).
// The result lists each selection as its path from the top level.

import { flag, number } from "../editor/dom.js";
import { controlValue } from "../editor/control.js";

function fromNode(node) {
  return { value: node.attrs.value, result: node.attrs.alias || node.attrs.value, hint: node.attrs.hint,
    children: node.children.filter((child) => child.tag === "Choice").map(fromNode) };
}

function fromData(item) {
  if (!item || typeof item !== "object" || item.value === undefined) return null;
  return { value: String(item.value), result: item.alias ? String(item.alias) : String(item.value), hint: item.hint,
    children: (Array.isArray(item.children) ? item.children : []).map(fromData).filter(Boolean) };
}

export function mount(node, ctx) {
  const state = controlValue(node, ctx, "taxonomy");
  const leafsOnly = flag(node.attrs.leafsOnly);
  const maxUsages = number(node.attrs.maxUsages, 0);
  const separator = node.attrs.pathSeparator || " / ";
  let tree = node.children.filter((child) => child.tag === "Choice").map(fromNode);
  const dynamic = node.attrs.value ? ctx.resolve(node.attrs.value) : undefined;
  if (Array.isArray(dynamic)) tree = tree.concat(dynamic.map(fromData).filter(Boolean));
  const open = new Set();
  let query = "";
  const chips = ctx.h("div", { class: "lc-taxonomy-selected" });
  const search = ctx.h("input", { type: "search", placeholder: node.attrs.placeholder || "Search",
    "aria-label": `Search ${node.name}`, class: "lc-taxonomy-search" });
  const body = ctx.h("div", { class: "lc-taxonomy-tree" });
  ctx.el.classList.add("lc-taxonomy");
  ctx.el.append(chips, search, body);
  search.addEventListener("input", () => { query = search.value.trim().toLowerCase(); render(); });

  const paths = () => state.get() || [];
  const key = (path) => JSON.stringify(path);

  function toggle(path) {
    if (ctx.readonly) return;
    const current = paths();
    if (current.some((other) => key(other) === key(path))) {
      state.set(current.filter((other) => key(other) !== key(path)));
    } else if (maxUsages && current.length >= maxUsages) {
      ctx.engine.notify(`At most ${maxUsages} selection${maxUsages > 1 ? "s" : ""}`);
    } else {
      state.set([...current, path]);
    }
  }

  function matches(option) {
    return !query || option.value.toLowerCase().includes(query) || option.children.some(matches);
  }

  function branch(options, parentPath) {
    const selected = new Set(paths().map(key));
    return ctx.h("ul", {}, options.filter(matches).map((option) => {
      const path = [...parentPath, option.result];
      const id = key(path);
      const expanded = open.has(id) || Boolean(query);
      const selectable = !(leafsOnly && option.children.length);
      return ctx.h("li", { "data-path": path.join(separator) },
        option.children.length
          ? ctx.h("button", { type: "button", class: "lc-tree-toggle", "aria-expanded": String(expanded),
            "aria-label": expanded ? "Collapse" : "Expand",
            onclick: () => { if (open.has(id)) open.delete(id); else open.add(id); render(); } }, expanded ? "▾" : "▸")
          : ctx.h("span", { class: "lc-tree-spacer" }),
        ctx.h("label", { class: "lc-choice", title: option.hint || null },
          selectable ? ctx.h("input", { type: "checkbox", checked: selected.has(id), disabled: ctx.readonly,
            onchange: () => toggle(path) }) : null,
          ctx.h("span", {}, option.value)),
        option.children.length && expanded ? branch(option.children, path) : null);
    }));
  }

  function render() {
    chips.replaceChildren(...paths().map((path) => ctx.h("span", { class: "lc-chip lc-on" }, path.join(separator),
      ctx.readonly ? null : ctx.h("button", { type: "button", class: "lc-tree-toggle", "aria-label": "Remove",
        style: { color: "#fff" }, onclick: () => toggle(path) }, "×"))));
    body.replaceChildren(branch(tree, []));
  }

  const ready = node.attrs.apiUrl
    ? fetch(ctx.format(node.attrs.apiUrl), { credentials: "same-origin" }).then((response) => response.json())
      .then((items) => { tree = (Array.isArray(items) ? items : items.items || []).map(fromData).filter(Boolean); })
      .catch(() => ctx.engine.notify(`Could not load the taxonomy of ${node.name}`))
    : null;

  return { ready, update: render, filter(text) { query = text.toLowerCase(); render(); } };
}
