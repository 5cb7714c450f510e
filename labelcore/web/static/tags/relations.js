// <Relations>: the labels a relation may carry. The engine's relations panel shows and edits
// relations; this tag renders nothing in the layout.

export function mount(node, ctx) {
  ctx.el.hidden = true;
  return {};
}
