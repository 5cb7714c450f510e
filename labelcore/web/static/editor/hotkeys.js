// Keyboard shortcuts: "ctrl+enter", "shift+a", "1", "alt+r", several separated by commas.
// Keys are matched by physical key for letters and digits (KeyA, Digit1), so shift+1 stays "shift+1".

const ALIASES = {
  cmd: "meta", command: "meta", option: "alt", control: "ctrl", esc: "escape", return: "enter",
  del: "delete", space: "space", " ": "space", plus: "=", left: "arrowleft", right: "arrowright",
  up: "arrowup", down: "arrowdown",
};
const MODIFIERS = ["ctrl", "alt", "shift", "meta"];

function normalizeOne(combo) {
  const parts = combo.toLowerCase().split("+").map((part) => part.trim()).filter(Boolean);
  if (combo.trim().endsWith("++")) parts.push("=");
  const mods = new Set();
  let key = "";
  for (const part of parts) {
    const name = ALIASES[part] || part;
    if (MODIFIERS.includes(name)) mods.add(name);
    else key = name;
  }
  return [...MODIFIERS.filter((mod) => mods.has(mod)), key].join("+");
}

/** "Ctrl+Shift+Z, cmd+y" -> ["ctrl+shift+z", "meta+y"] */
export function normalize(combos) {
  return String(combos).split(",").map((combo) => combo.trim()).filter(Boolean).map(normalizeOne);
}

export function eventCombo(event) {
  let key;
  if (/^Key[A-Z]$/.test(event.code)) key = event.code.slice(3).toLowerCase();
  else if (/^Digit[0-9]$/.test(event.code)) key = event.code.slice(5);
  else if (/^Numpad[0-9]$/.test(event.code)) key = event.code.slice(6);
  else key = ALIASES[event.key.toLowerCase()] || event.key.toLowerCase();
  const mods = MODIFIERS.filter((mod) => event[`${mod}Key`] && key !== mod);
  return [...mods, key].join("+");
}

const NOT_TYPING = new Set(["checkbox", "radio", "range", "button", "submit", "reset", "color", "file", "image"]);

function typingInto(target) {
  if (!target || !(target instanceof Element)) return false;
  if (target.localName === "input") return !NOT_TYPING.has(target.type);
  return Boolean(target.closest("textarea, select, [contenteditable='true'], [contenteditable='plaintext-only'], " +
    "[contenteditable='']"));
}

export class Hotkeys {
  constructor(root) {
    this.root = root;
    this.bindings = new Map(); // combo -> [{handler, description}]
    this.enabled = true;
    this._onKeydown = (event) => this._dispatch(event);
    document.addEventListener("keydown", this._onKeydown);
  }

  /** Bind a handler; returns an unbind function, or false when every combo is already taken
   * (unless `{stack: true}`: then the newest binding runs first). */
  bind(combos, handler, { description = "", stack = false } = {}) {
    const keys = normalize(combos);
    if (!keys.length) return false;
    if (!stack && keys.every((key) => this.bindings.has(key))) return false;
    const entry = { handler, description, combos: String(combos) };
    const added = [];
    for (const key of keys) {
      if (this.bindings.has(key) && !stack) continue;
      if (!this.bindings.has(key)) this.bindings.set(key, []);
      this.bindings.get(key).unshift(entry);
      added.push(key);
    }
    return () => {
      for (const key of added) {
        const list = (this.bindings.get(key) || []).filter((other) => other !== entry);
        if (list.length) this.bindings.set(key, list);
        else this.bindings.delete(key);
      }
    };
  }

  isBound(combo) {
    return normalize(combo).some((key) => this.bindings.has(key));
  }

  /** [{combos, description}] for the help list. */
  list() {
    const seen = new Set();
    const out = [];
    for (const entries of this.bindings.values()) {
      for (const entry of entries) {
        if (seen.has(entry) || !entry.description) continue;
        seen.add(entry);
        out.push({ combos: entry.combos, description: entry.description });
      }
    }
    return out;
  }

  _dispatch(event) {
    if (!this.enabled || event.isComposing || !this.root.isConnected) return;
    const combo = eventCombo(event);
    const entries = this.bindings.get(combo);
    if (!entries) return;
    const modified = event.ctrlKey || event.metaKey || event.altKey;
    // typing in a field keeps plain keys (and Backspace) for the field; ctrl/alt combos still work
    if (typingInto(event.target) && (!modified || combo === "ctrl+z" || combo === "ctrl+shift+z" ||
        combo === "ctrl+y" || combo === "meta+z")) {
      return;
    }
    for (const entry of entries) {
      if (entry.handler(event) !== false) {
        event.preventDefault();
        event.stopPropagation();
        return;
      }
    }
  }

  destroy() {
    document.removeEventListener("keydown", this._onKeydown);
    this.bindings.clear();
  }
}
