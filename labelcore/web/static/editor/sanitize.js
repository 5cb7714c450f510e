// HTML from task data (HyperText) and project settings (instructions), rebuilt from an allowlist.
// DOMParser gives an inert document (no scripts run, no images load); the output is a fresh
// fragment built element by element, so nothing outside the allowlist reaches the page.

const ALLOWED = new Set(("a abbr address article aside b bdi bdo blockquote br caption center cite code col " +
  "colgroup dd del details dfn div dl dt em figcaption figure font footer h1 h2 h3 h4 h5 h6 header hr i img ins " +
  "kbd label li main mark nav ol p pre q rp rt ruby s samp section small span strike strong sub summary sup " +
  "table tbody td tfoot th thead time tr tt u ul var wbr").split(" "));

// removed with everything inside them
const DROPPED = new Set(("script style iframe frame frameset object embed applet noscript template svg math " +
  "link meta base title head form input button select textarea option audio video source track canvas " +
  "portal dialog slot").split(" "));

const ATTRIBUTES = new Set(("title alt lang dir colspan rowspan width height align valign start reversed type " +
  "datetime cite abbr scope headers span color size face").split(" "));

const SAFE_URL = /^(?:https?:|mailto:|#|\/(?!\/)|\.{0,2}\/|[^:/?#]*(?:[/?#]|$))/i;
const SAFE_IMAGE = /^(?:https?:|\/(?!\/)|\.{0,2}\/|data:image\/(?:png|gif|jpe?g|webp|bmp);|[^:/?#]*(?:[/?#]|$))/i;
// styles that load URLs, run code (old IE), or pin content over the page's own controls
const UNSAFE_STYLE = /url\s*\(|image-set|expression\s*\(|@import|javascript:|behavior\s*:|-moz-binding|position\s*:\s*(fixed|sticky)/i;

function safeUrl(value, pattern) {
  // browsers ignore control characters and whitespace inside a scheme ("java\tscript:")
  const compact = value.replace(/[\u0000-\u0020\u007f-\u009f]/g, "");
  return pattern.test(compact) ? value.trim() : null;
}

function copyAttributes(source, target, options) {
  const tag = target.localName;
  for (const { name, value } of [...source.attributes]) {
    const lower = name.toLowerCase();
    if (lower.startsWith("on")) continue;
    if (lower === "href" && tag === "a") {
      const url = safeUrl(value, SAFE_URL);
      if (url !== null) target.setAttribute("href", url);
    } else if (lower === "src" && tag === "img") {
      const url = safeUrl(value, SAFE_IMAGE);
      if (url !== null) target.setAttribute("src", url);
    } else if (lower === "style") {
      if (options.styles && !UNSAFE_STYLE.test(value)) target.setAttribute("style", value);
    } else if (lower === "class") {
      // the page's own classes (lc-*) stay the engine's: task HTML cannot dress up as its controls
      const classes = value.split(/\s+/).filter((name) => name && !name.startsWith("lc-"));
      if (classes.length) target.setAttribute("class", classes.join(" "));
    } else if (ATTRIBUTES.has(lower)) {
      target.setAttribute(lower, value);
    }
  }
  if (tag === "a") {
    target.setAttribute("rel", "noopener noreferrer nofollow");
    target.setAttribute("target", "_blank");
  }
  if (tag === "img") target.setAttribute("referrerpolicy", "no-referrer");
}

function rebuild(source, parent, options) {
  for (const node of source.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      parent.append(document.createTextNode(node.data));
      continue;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) continue; // comments, processing instructions
    const tag = node.localName;
    if (DROPPED.has(tag)) continue;
    if (!ALLOWED.has(tag)) {
      rebuild(node, parent, options); // unknown element: keep its text, not the element
      continue;
    }
    const element = document.createElement(tag);
    copyAttributes(node, element, options);
    parent.append(element);
    rebuild(node, element, options);
  }
}

/**
 * Sanitize HTML into a DocumentFragment of the current document.
 * @param {string} html
 * @param {{styles?: boolean}} options  styles: keep inline style attributes without url()/expression()
 */
export function sanitizeHTML(html, options = {}) {
  const parsed = new DOMParser().parseFromString(String(html ?? ""), "text/html");
  const fragment = document.createDocumentFragment();
  rebuild(parsed.body, fragment, { styles: options.styles !== false });
  return fragment;
}
