// Task data references in config attributes: "$image", "$item.text", "$images[0].url".

const REF = /\$([A-Za-z_][A-Za-z0-9_]*)((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)/g;

function walk(value, path) {
  for (const step of path.match(/\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\]/g) || []) {
    if (value === null || value === undefined) return undefined;
    value = step.startsWith(".") ? value[step.slice(1)] : value[Number(step.slice(1, -1))];
  }
  return value;
}

/** The data value a whole attribute refers to ("$image"), or the attribute itself when it is literal. */
export function resolve(data, attribute) {
  if (typeof attribute !== "string") return attribute;
  const text = attribute.trim();
  REF.lastIndex = 0;
  const match = REF.exec(text);
  if (!match || match.index !== 0 || match[0].length !== text.length) return attribute;
  return walk((data || {})[match[1]], match[2]);
}

/** Literal text with each "$field" replaced by its value (unknown references stay as written). */
export function format(data, text) {
  if (typeof text !== "string") return text ?? "";
  return text.replace(REF, (whole, key, path) => {
    if (!data || !(key in data)) return whole;
    const value = walk(data[key], path);
    if (value === undefined || value === null) return "";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  });
}

/** Decode a value as <Text encoding=...> asks. */
export function decode(text, encoding) {
  if (typeof text !== "string" || !encoding || encoding === "none") return text;
  const binary = atob(text);
  if (encoding === "base64") return binary;
  return new TextDecoder().decode(Uint8Array.from(binary, (char) => char.charCodeAt(0)));
}

function holds(node, flag) {
  return Object.values(node.attrs || {}).some((value) => String(value).includes(flag)) ||
    (node.text || "").includes(flag) || node.children.some((child) => holds(child, flag));
}

function substitute(node, flag, index) {
  const swap = (value) => (typeof value === "string" ? value.split(flag).join(String(index)) : value);
  return {
    ...node,
    name: swap(node.name),
    text: swap(node.text),
    attrs: Object.fromEntries(Object.entries(node.attrs || {}).map(([key, value]) => [key, swap(value)])),
    children: node.children.map((child) => substitute(child, flag, index)),
  };
}

/**
 * <Repeater on="$items" indexFlag="{{idx}}">: one copy of the body per item of the data list.
 * The server expands Repeaters when it parses a config with a task's data; a tree parsed without
 * data still holds the flag, and is expanded here.
 */
export function expandRepeaters(node, data) {
  const children = node.children.map((child) => expandRepeaters(child, data));
  if (node.tag !== "Repeater") return { ...node, children };
  const flag = node.attrs.indexFlag || "{{idx}}";
  if (!children.some((child) => holds(child, flag))) return { ...node, children };
  const items = resolve(data, node.attrs.on);
  const count = Array.isArray(items) ? items.length : 0;
  const copies = [];
  for (let index = 0; index < count; index += 1) copies.push(...children.map((child) => substitute(child, flag, index)));
  return { ...node, children: copies };
}
