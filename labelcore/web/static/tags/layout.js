// Layout tags: View, Header, Style, Collapse/Panel, Filter, Repeater. They write no results.
// Repeater bodies arrive expanded (the server parses the config with the task's data).

import { applyStyle, flag, number } from "../editor/dom.js";

function view(node, ctx) {
  const { el } = ctx;
  applyStyle(el, node.attrs.style);
  if (node.attrs.className) el.classList.add(...node.attrs.className.split(/\s+/).filter(Boolean));
  if (node.attrs.idAttr) el.id = node.attrs.idAttr;
  if (node.attrs.display === "inline") el.classList.add("lc-inline-view");
  ctx.mountChildren(el);
}

function header(node, ctx) {
  const size = Math.min(Math.max(Math.round(number(node.attrs.size, 4)), 1), 6);
  const text = ctx.format(node.attrs.value ?? node.text ?? "");
  const heading = ctx.h(`h${size}`, { class: `lc-header${flag(node.attrs.underline) ? " lc-underline" : ""}` }, text);
  applyStyle(heading, node.attrs.style);
  if (node.attrs.className) heading.classList.add(...node.attrs.className.split(/\s+/).filter(Boolean));
  ctx.el.append(heading);
}

function style(node, ctx) {
  // the config's own CSS (written by the project's managers, not task data)
  const element = document.createElement("style");
  element.textContent = node.text || "";
  ctx.el.append(element);
  ctx.el.hidden = true;
  return { destroy: () => element.remove() };
}

function collapse(node, ctx) {
  const accordion = flag(node.attrs.accordion, true);
  ctx.el.classList.add("lc-collapse");
  const panels = [];
  for (const child of node.children) {
    if (child.tag !== "Panel") {
      ctx.mountChildren(ctx.el, [child]);
      continue;
    }
    const body = ctx.h("div", { class: "lc-panel-body" });
    const details = ctx.h("details", {}, ctx.h("summary", {}, ctx.format(child.attrs.value || "")), body);
    details.addEventListener("toggle", () => {
      if (accordion && details.open) for (const other of panels) if (other !== details) other.open = false;
    });
    panels.push(details);
    ctx.el.append(details);
    ctx.mountChildren(body, child.children);
  }
}

function panel(node, ctx) {
  // a <Panel> outside <Collapse>: still a titled section
  const body = ctx.h("div", { class: "lc-panel-body" });
  ctx.el.append(ctx.h("details", { open: true }, ctx.h("summary", {}, ctx.format(node.attrs.value || "")), body));
  ctx.el.classList.add("lc-collapse");
  ctx.mountChildren(body);
}

function filter(node, ctx) {
  const minlength = number(node.attrs.minlength, 3);
  const input = ctx.h("input", { type: "search", placeholder: node.attrs.placeholder || "Quick filter",
    "aria-label": node.attrs.placeholder || "Filter options" });
  ctx.el.classList.add("lc-filter");
  ctx.el.append(input);
  const apply = () => {
    const target = ctx.engine.tag(node.attrs.toName);
    const text = input.value.trim();
    if (target && target.filter) target.filter(text.length >= minlength ? text : "");
  };
  input.addEventListener("input", apply);
  if (node.attrs.hotkey) ctx.engine.hotkeys.bind(node.attrs.hotkey, () => input.focus(), { description: "Filter" });
}

const RENDERERS = { View: view, Header: header, Style: style, Collapse: collapse, Panel: panel, Filter: filter,
  Repeater: view };

export function mount(node, ctx) {
  const render = RENDERERS[node.tag] || view;
  return render(node, ctx) || {};
}
