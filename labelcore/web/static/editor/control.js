// The value of a classification control (Choices, TextArea, Rating...): one result per control,
// or, with perRegion="true", one item on the selected region.

import { flag } from "./dom.js";

export function targets(node) {
  return (node.attrs.toName || "").split(",").map((part) => part.trim()).filter(Boolean);
}

/**
 * @param {object} node   the control's config node
 * @param {object} ctx    its ctx
 * @param {string} key    where the value lives in the result's `value` ("choices", "text", ...)
 * @param {{toSelf?: boolean}} options  toSelf: the result names the control itself as to_name (Pairwise)
 */
export function controlValue(node, ctx, key, { toSelf = false } = {}) {
  const { store } = ctx;
  const name = node.name;
  const type = node.tag.toLowerCase();
  const objects = targets(node);
  const perRegion = flag(node.attrs.perRegion);

  function region() {
    if (!perRegion) return null;
    const selected = store.selected();
    return selected && (!objects.length || objects.includes(selected.object)) ? selected : null;
  }

  return {
    perRegion,
    region,
    /** The current value, or undefined. */
    get() {
      if (perRegion) {
        const selected = region();
        const item = selected && selected.items[name];
        return item ? item.value[key] : undefined;
      }
      const item = store.classification(name);
      return item ? item.value[key] : undefined;
    },
    /** Store a value; null/undefined/empty list removes the result. */
    set(value) {
      if (ctx.readonly) return;
      const empty = value === undefined || value === null || value === "" ||
        (Array.isArray(value) && !value.length);
      const item = empty ? null : { type, value: { [key]: value } };
      if (perRegion) {
        const selected = region();
        if (selected) store.setItem(selected.id, name, item);
        return;
      }
      store.setClassification(name, item && { to_name: toSelf ? name : (node.attrs.toName || name), ...item });
    },
  };
}
