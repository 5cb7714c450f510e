// <List>: items ({id, title, body}) from task data. <Ranker> sorts them; alone it shows them.

export function items(ctx, node) {
  const data = ctx.resolve(node.attrs.value);
  return (Array.isArray(data) ? data : []).map((item, index) => ({
    id: String(item && item.id !== undefined ? item.id : index),
    title: item && typeof item === "object" ? String(item.title ?? "") : String(item),
    body: item && typeof item === "object" ? String(item.body ?? "") : "",
  }));
}

export function itemCard(ctx, item) {
  return ctx.h("div", { class: "lc-rank-body" },
    item.title ? ctx.h("div", { class: "lc-rank-title" }, item.title) : null,
    item.body ? ctx.h("div", { class: "lc-rank-text" }, item.body) : null);
}

export function mount(node, ctx) {
  const list = items(ctx, node);
  if (node.attrs.title) ctx.el.append(ctx.h("h4", {}, ctx.format(node.attrs.title)));
  ctx.el.append(ctx.h("div", { class: "lc-list-items" },
    list.map((item) => ctx.h("div", { class: "lc-rank-item", "data-id": item.id }, itemCard(ctx, item)))));
  return {
    items: list,
    connect() {
      // a Ranker shows the items itself
      if (ctx.engine.controlsFor(node.name).some((control) => control.node.tag === "Ranker")) ctx.el.hidden = true;
    },
  };
}
