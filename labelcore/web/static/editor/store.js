// The annotation being edited: regions, classifications and relations, with undo/redo.
// It reads and writes Label Studio result JSON (see docs/tag_protocol.md §4).

import { newId } from "./dom.js";

/** Label Studio's result types: `key` names the control's own part of `value`, `region` says the
 * item carries geometry. Tag modules add theirs with `resultTypes` exports. */
export const RESULT_TYPES = {
  choices: { key: "choices" },
  taxonomy: { key: "taxonomy" },
  textarea: { key: "text" },
  rating: { key: "rating" },
  number: { key: "number" },
  datetime: { key: "datetime" },
  pairwise: { key: "selected" },
  ranker: { key: "ranker" },
  labels: { region: true, key: "labels" },
  hypertextlabels: { region: true, key: ["hypertextlabels", "htmllabels"] },
  paragraphlabels: { region: true, key: "paragraphlabels" },
};

const ITEM_KEYS = new Set(["id", "from_name", "to_name", "type", "value", "origin", "score", "parentID",
  "readonly", "hidden"]);
const HISTORY_LIMIT = 300;

function keysOf(spec) {
  if (!spec || spec.key === undefined) return [];
  return Array.isArray(spec.key) ? spec.key : [spec.key];
}

function pick(value, keys) {
  const out = {};
  for (const key of keys) if (value && key in value) out[key] = value[key];
  return out;
}

function omit(value, keys) {
  const out = { ...(value || {}) };
  for (const key of keys) delete out[key];
  return out;
}

const clone = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

export class Store {
  constructor() {
    this.types = { ...RESULT_TYPES };
    this._regions = new Map();
    this._classifications = new Map();
    this._relations = [];
    this._hidden = new Set();
    this._locked = new Set();
    this.selectedId = null;
    this._listeners = new Set();
    this._history = [this._snapshot()];
    this._index = 0;
  }

  // ------------------------------------------------------------------ types

  addTypes(types) {
    Object.assign(this.types, types || {});
  }

  typeSpec(type) {
    return this.types[type];
  }

  _specFor(item) {
    const known = this.types[item.type];
    if (known) return known;
    // a type nobody declared: `value[type]` is the control's own part, the rest geometry
    const value = item.value || {};
    if (item.type in value) return { key: item.type, region: Object.keys(value).length > 1 };
    return { region: true };
  }

  // ------------------------------------------------------------------ reading

  regions(objectName) {
    const all = [...this._regions.values()];
    return objectName === undefined ? all : all.filter((region) => region.object === objectName);
  }

  region(id) {
    return this._regions.get(id) || null;
  }

  selected() {
    return this.region(this.selectedId);
  }

  classification(name) {
    return this._classifications.get(name) || null;
  }

  classifications() {
    return [...this._classifications.entries()].map(([name, item]) => ({ from_name: name, ...item }));
  }

  relations() {
    return this._relations;
  }

  isEmpty() {
    return !this._regions.size && !this._classifications.size && !this._relations.length;
  }

  // ------------------------------------------------------------------ regions

  addRegion({ id, object, geometry, items, meta, origin = "manual", score, parentID }) {
    const region = {
      id: id || newId(),
      object,
      geometry: clone(geometry) || {},
      items: clone(items) || {},
      meta: clone(meta) || {},
      origin,
      hidden: false,
      locked: false,
    };
    if (score !== undefined && score !== null) region.score = score;
    if (parentID) region.parentID = parentID;
    this._regions.set(region.id, region);
    this._changed("region");
    return region;
  }

  updateRegion(id, { geometry, meta } = {}, { transient = false } = {}) {
    const region = this.region(id);
    if (!region || region.locked) return null;
    if (geometry) region.geometry = { ...region.geometry, ...geometry };
    if (meta) region.meta = { ...region.meta, ...meta };
    this._edited(region);
    this._changed("region", { transient });
    return region;
  }

  /** Replace a region's geometry wholesale (a polygon losing a point, a new brush mask). */
  setGeometry(id, geometry, { transient = false } = {}) {
    const region = this.region(id);
    if (!region || region.locked) return null;
    region.geometry = geometry;
    this._edited(region);
    this._changed("region", { transient });
    return region;
  }

  setItem(id, name, item) {
    const region = this.region(id);
    if (!region || region.locked) return null;
    if (item) region.items[name] = clone(item);
    else delete region.items[name];
    this._edited(region);
    this._changed("region");
    return region;
  }

  removeRegion(id) {
    const region = this.region(id);
    if (!region || region.locked) return false;
    this._regions.delete(id);
    this._relations = this._relations.filter((relation) => relation.from_id !== id && relation.to_id !== id);
    if (this.selectedId === id) this.selectedId = null;
    this._changed("region");
    return true;
  }

  /** hidden/locked are view state: not undo steps, not saved. */
  toggle(id, flag) {
    const region = this.region(id);
    if (!region) return;
    const set = flag === "hidden" ? this._hidden : this._locked;
    if (set.has(id)) set.delete(id);
    else set.add(id);
    region[flag] = set.has(id);
    this._notify({ kind: "view" });
  }

  select(id) {
    const next = id && this._regions.has(id) ? id : null;
    if (next === this.selectedId) return;
    this.selectedId = next;
    this._notify({ kind: "select" });
  }

  _edited(region) {
    if (region.origin === "prediction") region.origin = "prediction-changed";
  }

  // ------------------------------------------------------------------ classifications & relations

  setClassification(name, item) {
    const before = this._classifications.get(name);
    if (!item) {
      if (!before) return;
      this._classifications.delete(name);
    } else {
      const origin = before ? (before.origin === "prediction" ? "prediction-changed" : before.origin) : "manual";
      this._classifications.set(name, { id: before ? before.id : newId(), origin, ...clone(item) });
    }
    this._changed("classification");
  }

  addRelation(fromId, toId) {
    if (fromId === toId || !this.region(fromId) || !this.region(toId)) return null;
    const exists = this._relations.find((relation) => relation.from_id === fromId && relation.to_id === toId);
    if (exists) return exists;
    const relation = { from_id: fromId, to_id: toId, direction: "right", labels: [] };
    this._relations.push(relation);
    this._changed("relation");
    return relation;
  }

  updateRelation(index, patch) {
    if (!this._relations[index]) return;
    Object.assign(this._relations[index], clone(patch));
    this._changed("relation");
  }

  removeRelation(index) {
    this._relations.splice(index, 1);
    this._changed("relation");
  }

  // ------------------------------------------------------------------ history

  _snapshot() {
    return JSON.stringify({
      regions: [...this._regions.values()].map((region) => omit(region, ["hidden", "locked"])),
      classifications: [...this._classifications.entries()],
      relations: this._relations,
    });
  }

  _restore(text) {
    const state = JSON.parse(text);
    this._regions = new Map(state.regions.map((region) => [region.id, {
      ...region, hidden: this._hidden.has(region.id), locked: this._locked.has(region.id) }]));
    this._classifications = new Map(state.classifications);
    this._relations = state.relations;
    if (!this._regions.has(this.selectedId)) this.selectedId = null;
  }

  /** Record the current state as one undo step (after transient edits). */
  commit() {
    const snapshot = this._snapshot();
    if (snapshot === this._history[this._index]) return false;
    this._history.splice(this._index + 1);
    this._history.push(snapshot);
    if (this._history.length > HISTORY_LIMIT) this._history.shift();
    this._index = this._history.length - 1;
    return true;
  }

  /** Forget the history: the loaded state is where undo stops. */
  resetHistory() {
    this._history = [this._snapshot()];
    this._index = 0;
  }

  canUndo() {
    return this._index > 0;
  }

  canRedo() {
    return this._index < this._history.length - 1;
  }

  undo() {
    if (!this.canUndo()) return false;
    this._index -= 1;
    this._restore(this._history[this._index]);
    this._notify({ kind: "history" });
    return true;
  }

  redo() {
    if (!this.canRedo()) return false;
    this._index += 1;
    this._restore(this._history[this._index]);
    this._notify({ kind: "history" });
    return true;
  }

  // ------------------------------------------------------------------ events

  subscribe(listener) {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  _changed(kind, { transient = false } = {}) {
    if (!transient) this.commit();
    this._notify({ kind, transient });
  }

  _notify(event) {
    for (const listener of [...this._listeners]) listener(event);
  }

  // ------------------------------------------------------------------ Label Studio JSON

  /** Load Label Studio result items; `origin` is the default for items that carry none. */
  load(results, origin = "manual") {
    const groups = new Map();
    for (const item of results || []) {
      if (!item || typeof item !== "object") continue;
      if (item.type === "relation") {
        this._relations.push({ from_id: item.from_id, to_id: item.to_id, direction: item.direction || "right",
          labels: Array.isArray(item.labels) ? [...item.labels] : [] });
        continue;
      }
      const id = item.id || newId();
      if (!groups.has(id)) groups.set(id, []);
      groups.get(id).push(item);
    }
    for (const [id, items] of groups) this._loadGroup(id, items, origin);
    this._relations = this._relations.filter((relation) =>
      this._regions.has(relation.from_id) && this._regions.has(relation.to_id));
    this._changed("load", { transient: true });
  }

  _loadGroup(id, items, origin) {
    const shape = items.find((item) => this._specFor(item).region);
    if (!shape) {
      for (const item of items) {
        const keys = keysOf(this._specFor(item));
        this._classifications.set(item.from_name, {
          id, to_name: item.to_name, type: item.type,
          value: keys.length ? pick(item.value, keys) : clone(item.value),
          origin: item.origin || origin, ...(item.score !== undefined ? { score: item.score } : {}),
        });
      }
      return;
    }
    const region = {
      id,
      object: shape.to_name,
      geometry: omit(shape.value, keysOf(this._specFor(shape))),
      items: {},
      meta: {},
      origin: shape.origin || origin,
      hidden: false,
      locked: Boolean(shape.readonly),
    };
    for (const item of items) {
      const keys = keysOf(this._specFor(item));
      region.items[item.from_name] = { type: item.type, value: pick(item.value, keys) };
      for (const [key, value] of Object.entries(item)) {
        if (!ITEM_KEYS.has(key)) region.meta[key] = clone(value);
      }
      if (item.score !== undefined && item.score !== null && region.score === undefined) region.score = item.score;
      if (item.parentID) region.parentID = item.parentID;
    }
    // geometry also holds keys other controls of the region wrote; strip them
    for (const item of items) {
      for (const key of keysOf(this._specFor(item))) delete region.geometry[key];
    }
    if (region.locked) this._locked.add(id);
    this._regions.set(id, region);
  }

  /** The annotation as Label Studio result JSON. */
  toResults() {
    const out = [];
    for (const region of this._regions.values()) {
      for (const [name, item] of Object.entries(region.items)) {
        const result = {
          id: region.id,
          type: item.type,
          from_name: name,
          to_name: region.object,
          ...clone(region.meta),
          value: { ...clone(region.geometry), ...clone(item.value) },
          origin: region.origin,
        };
        if (region.score !== undefined) result.score = region.score;
        if (region.parentID) result.parentID = region.parentID;
        out.push(result);
      }
    }
    for (const [name, item] of this._classifications) {
      const result = { id: item.id, type: item.type, from_name: name, to_name: item.to_name,
        value: clone(item.value), origin: item.origin };
      if (item.score !== undefined) result.score = item.score;
      out.push(result);
    }
    for (const relation of this._relations) {
      const result = { from_id: relation.from_id, to_id: relation.to_id, type: "relation",
        direction: relation.direction };
      if (relation.labels && relation.labels.length) result.labels = [...relation.labels];
      out.push(result);
    }
    return out;
  }
}
