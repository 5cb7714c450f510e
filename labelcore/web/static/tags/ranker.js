// <Ranker>: order the items of a <List>, or sort them into <Bucket>s, by drag and drop (or the
// arrows on each item). Result: {ranker: {<bucket or ranker name>: [item ids]}}.

import { flag } from "../editor/dom.js";
import { controlValue, targets } from "../editor/control.js";
import { items as listItems, itemCard } from "./list.js";

const UNSORTED = "_";

export function mount(node, ctx) {
  const state = controlValue(node, ctx, "ranker");
  const buckets = node.children.filter((child) => child.tag === "Bucket")
    .map((child) => ({ name: child.attrs.name, title: child.attrs.title || child.attrs.name, default: flag(child.attrs.default) }));
  const fallback = buckets.find((bucket) => bucket.default);
  const columns = buckets.length
    ? [...(fallback ? [] : [{ name: UNSORTED, title: "Items" }]), ...buckets]
    : [{ name: node.name, title: "" }];
  const home = buckets.length ? (fallback ? fallback.name : UNSORTED) : node.name;
  let items = [];
  const box = ctx.h("div", { class: "lc-ranker" });
  ctx.el.append(box);
  let dragged = null;

  function layout() {
    const saved = state.get();
    const out = Object.fromEntries(columns.map((column) => [column.name, []]));
    const placed = new Set();
    if (saved && typeof saved === "object") {
      const entries = Array.isArray(saved) ? [[node.name, saved]] : Object.entries(saved);
      for (const [name, ids] of entries) {
        if (!out[name]) continue;
        for (const id of ids) if (!placed.has(String(id))) { out[name].push(String(id)); placed.add(String(id)); }
      }
    }
    for (const item of items) if (!placed.has(item.id)) out[home].push(item.id);
    return out;
  }

  function move(id, column, index) {
    if (ctx.readonly) return;
    const current = layout();
    for (const ids of Object.values(current)) {
      const at = ids.indexOf(id);
      if (at >= 0) ids.splice(at, 1);
    }
    const target = current[column];
    target.splice(Math.max(0, Math.min(index, target.length)), 0, id);
    state.set(current);
  }

  function render() {
    const current = layout();
    const byId = new Map(items.map((item) => [item.id, item]));
    box.replaceChildren(...columns.map((column) => {
      const list = ctx.h("ol", {});
      const bucket = ctx.h("div", { class: "lc-bucket", "data-bucket": column.name },
        column.title ? ctx.h("h4", {}, column.title) : null, list);
      bucket.addEventListener("dragover", (event) => { event.preventDefault(); bucket.classList.add("lc-drop-target"); });
      bucket.addEventListener("dragleave", () => bucket.classList.remove("lc-drop-target"));
      bucket.addEventListener("drop", (event) => {
        event.preventDefault();
        bucket.classList.remove("lc-drop-target");
        if (dragged === null) return;
        const cards = [...list.children];
        const index = cards.findIndex((card) => event.clientY < card.getBoundingClientRect().top + card.offsetHeight / 2);
        move(dragged, column.name, index < 0 ? cards.length : index);
      });
      current[column.name].forEach((id, index) => {
        const item = byId.get(id) || { id, title: id, body: "" };
        const card = ctx.h("li", { class: "lc-rank-item", draggable: ctx.readonly ? "false" : "true", "data-id": id },
          itemCard(ctx, item),
          ctx.readonly ? null : ctx.h("span", { class: "lc-rank-moves" },
            ctx.h("button", { type: "button", "aria-label": "Move up", onclick: () => move(id, column.name, index - 1) }, "▲"),
            ctx.h("button", { type: "button", "aria-label": "Move down", onclick: () => move(id, column.name, index + 1) }, "▼")));
        card.addEventListener("dragstart", (event) => {
          dragged = id;
          card.classList.add("lc-dragging");
          event.dataTransfer.setData("text/plain", id);
        });
        card.addEventListener("dragend", () => { dragged = null; card.classList.remove("lc-dragging"); });
        list.append(card);
      });
      return bucket;
    }));
  }

  return {
    connect() {
      const list = ctx.engine.node(targets(node)[0]);
      items = list ? listItems(ctx, list) : [];
    },
    update: render,
  };
}
