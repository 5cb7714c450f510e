// <TextArea>: free text. Enter adds the typed text to the list of texts (Shift+Enter is a new line
// when rows > 1); text still in the box is added on submit. <Shortcut> children insert snippets.

import { flag, number } from "../editor/dom.js";
import { controlValue } from "../editor/control.js";

export function mount(node, ctx) {
  const state = controlValue(node, ctx, "text");
  const rows = Math.max(1, Math.round(number(node.attrs.rows, 1)));
  const maxSubmissions = number(node.attrs.maxSubmissions, 0);
  const editable = flag(node.attrs.editable);
  const skipDuplicates = flag(node.attrs.skipDuplicates);
  const placeholder = node.attrs.placeholder || "";
  const field = rows > 1
    ? ctx.h("textarea", { rows: String(rows), placeholder, "aria-label": node.attrs.label || node.name })
    : ctx.h("input", { type: "text", placeholder, "aria-label": node.attrs.label || node.name });
  const addButton = ctx.h("button", { type: "button", class: "lc-button", onclick: () => add() }, "Add");
  const list = ctx.h("ul", { class: "lc-textarea-items" });
  const shortcuts = node.children.filter((child) => child.tag === "Shortcut").map((child) => {
    const insert = () => {
      const start = field.selectionStart ?? field.value.length;
      const end = field.selectionEnd ?? field.value.length;
      field.value = field.value.slice(0, start) + child.attrs.value + field.value.slice(end);
      field.focus();
      field.setSelectionRange(start + child.attrs.value.length, start + child.attrs.value.length);
    };
    if (child.attrs.hotkey) ctx.engine.hotkeys.bind(child.attrs.hotkey, insert, { description: `Insert "${child.attrs.value}"` });
    return ctx.h("button", { type: "button", class: "lc-chip", style: { borderColor: child.attrs.background || null },
      onclick: insert }, child.attrs.alias || child.attrs.value);
  });
  if (node.attrs.label) ctx.el.append(ctx.h("div", { class: "lc-control-title" }, node.attrs.label));
  ctx.el.classList.add("lc-textarea");
  ctx.el.append(list, ctx.h("div", { class: "lc-textarea-row" }, field, addButton));
  if (shortcuts.length) ctx.el.append(ctx.h("div", { class: "lc-shortcuts" }, shortcuts));
  if (node.attrs.style) field.style.cssText += `;${node.attrs.style}`;

  const texts = () => {
    const value = state.get();
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  };

  function add() {
    const text = field.value;
    if (!text.trim() || ctx.readonly) return;
    const current = texts();
    if (maxSubmissions && current.length >= maxSubmissions) {
      ctx.engine.notify(`At most ${maxSubmissions} text${maxSubmissions > 1 ? "s" : ""}`);
      return;
    }
    if (skipDuplicates && current.some((other) => other.toLowerCase() === text.toLowerCase())) {
      ctx.engine.notify("This text is already there");
      return;
    }
    field.value = "";
    state.set([...current, text]);
  }

  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.ctrlKey && !event.metaKey && !event.isComposing) {
      event.preventDefault();
      add();
    }
  });
  if (node.attrs.hotkey) ctx.engine.hotkeys.bind(node.attrs.hotkey, () => field.focus(), { description: `Type in ${node.name}` });

  return {
    defaults() {
      if (!state.perRegion && node.attrs.value && !state.get()) state.set([ctx.format(node.attrs.value)]);
    },
    beforeSubmit() {
      if (field.value.trim()) add();
    },
    update() {
      const current = texts();
      list.replaceChildren(...current.map((text, index) => {
        const span = ctx.h("span", { "data-index": String(index) }, text);
        if (editable && !ctx.readonly) {
          span.contentEditable = "plaintext-only";
          span.addEventListener("blur", () => {
            const next = [...texts()];
            if (next[index] === span.textContent) return;
            next[index] = span.textContent;
            state.set(next.filter((entry) => entry.trim()));
          });
        }
        return ctx.h("li", {}, span, ctx.readonly ? null : ctx.h("button", {
          type: "button", class: "lc-icon-button", title: "Remove", "aria-label": "Remove",
          onclick: () => state.set(texts().filter((_, other) => other !== index)),
        }, "×"));
      }));
      const full = Boolean(maxSubmissions && current.length >= maxSubmissions);
      field.disabled = Boolean(ctx.readonly) || full;
      addButton.disabled = field.disabled;
      field.placeholder = full ? "" : placeholder;
    },
  };
}
