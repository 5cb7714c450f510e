// The engine's own interface around the tags: the top bar (undo, redo, skip, submit), the side
// panel (instructions, regions, relations) and short messages.

import { h, flag } from "./dom.js";
import { icon } from "./icons.js";
import { sanitizeHTML } from "./sanitize.js";

const DIRECTIONS = ["right", "left", "bi"];
const DIRECTION_ICONS = { right: "arrowRight", left: "arrowLeft", bi: "arrowBoth" };

function iconButton(name, title, onclick, extra = {}) {
  return h("button", { type: "button", class: "lc-icon-button", title, "aria-label": title, onclick, ...extra },
    icon(name));
}

export function buildChrome(session) {
  const options = session.options;
  const project = options.project || {};
  const labeling = session.mode === "label" && !session.readonly;

  const undo = iconButton("undo", "Undo (Ctrl+Z)", () => session.store.undo(), { "data-action": "undo" });
  const redo = iconButton("redo", "Redo (Ctrl+Shift+Z)", () => session.store.redo(), { "data-action": "redo" });
  const status = h("span", { class: "lc-status", "aria-live": "polite" });
  const keysButton = iconButton("keyboard", "Keyboard shortcuts", () => toggleKeys());
  const skip = h("button", { type: "button", class: "lc-button", "data-action": "skip",
    title: "Skip this task (Ctrl+Space)", onclick: () => session.skip() }, "Skip");
  const submit = h("button", { type: "button", class: "lc-button lc-primary", "data-action": "submit",
    title: "Ctrl+Enter", onclick: () => session.submit() }, options.annotation ? "Update" : "Submit");
  const taskLabel = session.task.id !== null && session.task.id !== undefined ? `Task #${session.task.id}` : "Preview";
  const topbar = h("header", { class: "lc-topbar" },
    h("div", { class: "lc-topbar-left" }, h("span", { class: "lc-task-id" }, taskLabel), undo, redo, status),
    h("div", { class: "lc-topbar-right" }, keysButton,
      labeling ? skip : null, labeling ? submit : null));

  const banner = h("div", { class: "lc-banner", hidden: true });
  const main = h("main", { class: "lc-main" });
  const regionList = h("ul", { class: "lc-region-list" });
  const regionCount = h("span", { class: "lc-count" });
  const relationList = h("ul", { class: "lc-relation-list" });
  const relationCount = h("span", { class: "lc-count" });
  const relationsSection = h("section", { class: "lc-panel lc-relations", hidden: true },
    h("h3", {}, "Relations ", relationCount), relationList);
  const side = h("aside", { class: "lc-side" });
  if (project.expert_instruction) {
    const body = h("div", { class: "lc-instructions-body" });
    body.append(sanitizeHTML(project.expert_instruction));
    side.append(h("details", { class: "lc-panel lc-instructions", open: flag(project.show_instruction, true) },
      h("summary", {}, "Instructions"), body));
  }
  const regionsSection = h("section", { class: "lc-panel lc-regions" }, h("h3", {}, "Regions ", regionCount),
    regionList);
  side.append(regionsSection, relationsSection);
  const keys = h("div", { class: "lc-keys", hidden: true, role: "dialog", "aria-label": "Keyboard shortcuts" });
  const toasts = h("div", { class: "lc-toasts", "aria-live": "assertive" });
  const root = h("div", { class: `lc-editor lc-mode-${session.mode}` }, topbar, banner,
    h("div", { class: "lc-body" }, main, side), keys, toasts);

  function toggleKeys() {
    if (!keys.hidden) {
      keys.hidden = true;
      return;
    }
    keys.replaceChildren(h("h3", {}, "Keyboard shortcuts"), h("table", {}, h("tbody", {},
      session.hotkeys.list().map(({ combos, description }) => h("tr", {},
        h("td", {}, h("kbd", {}, combos.split(",")[0].trim())), h("td", {}, description))))),
    h("button", { type: "button", class: "lc-button", onclick: () => { keys.hidden = true; } }, "Close"));
    keys.hidden = false;
  }

  function regionTitle(region) {
    const labels = Object.values(region.items).flatMap((item) => {
      const list = item.value && item.value[item.type];
      return Array.isArray(list) && item.type.endsWith("labels") ? list.map(String) : [];
    });
    if (labels.length) return labels.join(", ");
    const object = session.engine.tag(region.object);
    if (object && object.regionKind) return object.regionKind(region);
    return Object.values(region.items).map((item) => item.type)[0] || "region";
  }

  function regionRow(region, index) {
    const store = session.store;
    const object = session.engine.tag(region.object);
    const snippet = object && object.regionText ? object.regionText(region) : "";
    const selected = store.selectedId === region.id;
    const row = h("li", {
      class: `lc-region${selected ? " lc-selected" : ""}${region.hidden ? " lc-is-hidden" : ""}`,
      "data-region-id": region.id, style: { "--label-color": session.engine.colorOf(region) },
      onclick: (event) => {
        if (event.target.closest("button")) return;
        store.select(selected ? null : region.id);
        if (!selected && object && object.focusRegion) object.focusRegion(region);
      },
    },
    h("span", { class: "lc-swatch" }),
    h("span", { class: "lc-region-index" }, String(index + 1)),
    h("span", { class: "lc-region-main" },
      h("span", { class: "lc-region-label" }, regionTitle(region)),
      snippet ? h("span", { class: "lc-region-text" }, snippet) : null),
    region.origin !== "manual" ? h("span", { class: `lc-origin lc-origin-${region.origin}`,
      title: region.origin }, region.origin === "prediction" ? "pred" : "edited",
    region.score !== undefined && region.score !== null ? ` ${Number(region.score).toFixed(2)}` : "") : null,
    h("span", { class: "lc-region-actions" },
      session.engine.node && hasRelations() && labeling
        ? iconButton("link", "Link to another region (Alt+R)", () => {
          store.select(region.id);
          session.engine.startRelation(region.id);
        }) : null,
      iconButton(region.hidden ? "eyeOff" : "eye", region.hidden ? "Show" : "Hide (Alt+H)",
        () => store.toggle(region.id, "hidden")),
      labeling ? iconButton(region.locked ? "lock" : "unlock", region.locked ? "Unlock" : "Lock (Alt+L)",
        () => store.toggle(region.id, "locked")) : null,
      labeling && !region.locked ? iconButton("trash", "Delete (Backspace)", () => store.removeRegion(region.id),
        { "data-action": "delete-region" }) : null));
    return row;
  }

  function relationOptions() {
    const node = findTag(session.config.root, "Relations");
    if (!node) return { values: [], single: false };
    return { values: node.children.filter((child) => child.tag === "Relation").map((child) => child.attrs.value),
      single: node.attrs.choice === "single" };
  }

  function hasRelations() {
    return Boolean(findTag(session.config.root, "Relations")) || session.store.relations().length > 0;
  }

  function relationRow(relation, index, numbers) {
    const store = session.store;
    const from = store.region(relation.from_id);
    const to = store.region(relation.to_id);
    const { values, single } = relationOptions();
    const chips = values.map((value) => h("button", {
      type: "button", class: `lc-chip${(relation.labels || []).includes(value) ? " lc-on" : ""}`,
      disabled: !labeling,
      onclick: () => {
        const current = relation.labels || [];
        const next = current.includes(value) ? current.filter((v) => v !== value)
          : single ? [value] : [...current, value];
        store.updateRelation(index, { labels: next });
      },
    }, value));
    const direction = relation.direction || "right";
    return h("li", { class: "lc-relation", "data-from": relation.from_id, "data-to": relation.to_id },
      h("span", { class: "lc-relation-ends" },
        h("span", { class: "lc-relation-end", style: { "--label-color": session.engine.colorOf(from) } },
          `${numbers.get(from.id)} ${regionTitle(from)}`),
        iconButton(DIRECTION_ICONS[direction], `Direction: ${direction} (click to change)`, () => {
          if (!labeling) return;
          store.updateRelation(index, { direction: DIRECTIONS[(DIRECTIONS.indexOf(direction) + 1) % 3] });
        }, { "data-action": "relation-direction" }),
        h("span", { class: "lc-relation-end", style: { "--label-color": session.engine.colorOf(to) } },
          `${numbers.get(to.id)} ${regionTitle(to)}`),
        labeling ? iconButton("trash", "Delete relation", () => store.removeRelation(index)) : null),
      chips.length ? h("span", { class: "lc-relation-labels" }, chips) : null);
  }

  let toastTimer = null;
  return {
    root,
    main,
    side,
    toggleKeys,
    update() {
      if (!root.isConnected && session.destroyed) return;
      const store = session.store;
      undo.disabled = !store.canUndo();
      redo.disabled = !store.canRedo();
      submit.disabled = Boolean(session.busy);
      submit.textContent = session.options.annotation ? "Update" : "Submit";
      skip.disabled = Boolean(session.busy);
      skip.hidden = !session.canSkip();
      const regions = store.regions();
      const numbers = new Map(regions.map((region, index) => [region.id, index + 1]));
      regionCount.textContent = regions.length ? String(regions.length) : "";
      regionsSection.hidden = !regions.length && !session.drawsRegions();
      regionList.replaceChildren(...(regions.length ? regions.map(regionRow)
        : [h("li", { class: "lc-empty" }, "No regions yet")]));
      const relations = store.relations();
      relationsSection.hidden = !hasRelations();
      relationCount.textContent = relations.length ? String(relations.length) : "";
      relationList.replaceChildren(...(relations.length
        ? relations.map((relation, index) => relationRow(relation, index, numbers))
        : [h("li", { class: "lc-empty" }, "Select a region and press Alt+R, then click another region")]));
      side.hidden = [...side.children].every((section) => section.hidden);
    },
    status(message) {
      status.textContent = message || "";
    },
    toast(message, kind = "info") {
      const item = h("div", { class: `lc-toast lc-toast-${kind}`, role: kind === "error" ? "alert" : "status" }, message);
      toasts.replaceChildren(item);
      clearTimeout(toastTimer);
      toastTimer = setTimeout(() => item.remove(), kind === "error" ? 6000 : 2500);
    },
    banner(message) {
      banner.hidden = !message;
      banner.textContent = message || "";
    },
    destroy() {
      clearTimeout(toastTimer);
    },
  };
}

function findTag(node, tag) {
  if (node.tag === tag) return node;
  for (const child of node.children) {
    const found = findTag(child, tag);
    if (found) return found;
  }
  return null;
}
