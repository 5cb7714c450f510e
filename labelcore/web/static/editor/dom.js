// Tiny DOM helpers shared by the engine and tag modules. Strings always become text nodes:
// nothing here parses HTML.

const SVG_NS = "http://www.w3.org/2000/svg";

function build(element, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "style" && typeof value === "object") {
      for (const [property, setting] of Object.entries(value)) {
        if (setting === undefined || setting === null) continue;
        if (property.startsWith("--")) element.style.setProperty(property, setting);
        else element.style[property] = setting;
      }
    } else if (key === "dataset") {
      Object.assign(element.dataset, value);
    } else {
      element.setAttribute(key, value === true ? "" : String(value));
    }
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** h("button", {class: "x", onclick: fn}, "Text", otherNode) */
export function h(tag, attrs, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** An SVG element; attributes are set as given. */
export function svg(tag, attrs, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

/** Set several SVG/HTML attributes at once (numbers are written as they are). */
export function setAttrs(element, attrs) {
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null) element.removeAttribute(key);
    else element.setAttribute(key, String(value));
  }
  return element;
}

/** Label Studio's boolean attributes are strings: "true"/"false" (and a few write "1"). */
export function flag(value, fallback = false) {
  if (value === undefined || value === null || value === "") return fallback;
  return ["true", "1", "yes"].includes(String(value).toLowerCase());
}

export function number(value, fallback) {
  const parsed = Number.parseFloat(value);
  return Number.isFinite(parsed) ? parsed : fallback;
}

/** A short random id, as Label Studio writes them (10 url-safe characters). */
export function newId() {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  const bytes = crypto.getRandomValues(new Uint8Array(10));
  return Array.from(bytes, (byte) => alphabet[byte & 63]).join("");
}

/** Parse a CSS declaration list from a config attribute onto an element's style. */
export function applyStyle(element, css) {
  if (css) element.style.cssText += ";" + css;
}

const stylesheets = new Map();

/** Add a stylesheet once per page; resolves when it has loaded (or failed). */
export function ensureStylesheet(url) {
  const href = String(url);
  if (!stylesheets.has(href)) {
    stylesheets.set(href, new Promise((resolve) => {
      const link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = href;
      link.addEventListener("load", resolve);
      link.addEventListener("error", resolve);
      document.head.append(link);
    }));
  }
  return stylesheets.get(href);
}
