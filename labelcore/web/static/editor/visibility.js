// visibleWhen: show a View or control only while a region is (not) selected or a choice is (not) made.

function labelsOf(region) {
  return Object.values(region.items).flatMap((item) => {
    const list = item.value && item.value[item.type];
    return Array.isArray(list) ? list : [];
  });
}

/**
 * Whether a tag with these attributes shows now.
 * @param {object} attrs   visibleWhen, whenTagName, whenLabelValue, whenChoiceValue
 * @param {Store} store
 * @param {string[]} names  every named tag (choice-selected without whenTagName looks at all of them)
 */
export function visibleWhen(attrs, store, names) {
  const region = store.selected();
  const tagNames = (attrs.whenTagName || "").split(",").map((name) => name.trim()).filter(Boolean);
  switch (attrs.visibleWhen) {
    case "region-selected":
      if (!region) return false;
      if (tagNames.length && !tagNames.some((name) => name === region.object || name in region.items)) return false;
      return !attrs.whenLabelValue || labelsOf(region).includes(attrs.whenLabelValue);
    case "no-region-selected":
      return !region;
    case "choice-selected":
    case "choice-unselected": {
      const values = (tagNames.length ? tagNames : names).flatMap((name) => {
        const item = store.classification(name);
        const value = (item && item.value) || {};
        return (value.choices || value.taxonomy || []).flat();
      });
      const wanted = attrs.whenChoiceValue ? attrs.whenChoiceValue.split(",").map((value) => value.trim()) : null;
      const selected = wanted ? wanted.some((value) => values.includes(value)) : values.length > 0;
      return attrs.visibleWhen === "choice-selected" ? selected : !selected;
    }
    default:
      return true;
  }
}
