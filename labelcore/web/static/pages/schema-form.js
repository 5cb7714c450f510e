// A form for a plugin's settings from its JSON schema (pydantic's model_json_schema()): strings,
// numbers and integers, booleans, enums as selects, secrets as password inputs, anything else
// (objects, lists) as JSON. Defaults and current values are filled in.

import { el } from "./common.js";

/** A property with its $ref / allOf / Optional[...] wrapping resolved; `nullable` says it may be null. */
function resolve(schema, prop) {
  let resolved = { ...prop };
  const ref = (item) => (item && item.$ref ? schema.$defs?.[item.$ref.split("/").pop()] || {} : item);
  if (resolved.$ref) resolved = { ...ref(resolved), ...resolved, $ref: undefined };
  if (Array.isArray(resolved.allOf) && resolved.allOf.length === 1) resolved = { ...ref(resolved.allOf[0]), ...resolved, allOf: undefined };
  if (Array.isArray(resolved.anyOf)) {
    const options = resolved.anyOf.map(ref);
    const real = options.filter((option) => option.type !== "null");
    if (real.length === 1) resolved = { ...real[0], ...resolved, anyOf: undefined, nullable: real.length < options.length };
  }
  return resolved;
}

function kindOf(prop) {
  if (Array.isArray(prop.enum)) return "enum";
  if (prop.type === "boolean") return "boolean";
  if (prop.type === "integer" || prop.type === "number") return prop.type;
  if (prop.type === "string") return prop.format === "password" || prop.writeOnly ? "secret" : "string";
  return "json";
}

function properties(schema) {
  return Object.entries(schema?.properties || {}).map(([name, prop]) => [name, resolve(schema, prop)]);
}

/** The form fields for `schema`, filled with `values` (else the defaults). */
export function schemaFields(schema, values = {}) {
  const required = new Set(schema?.required || []);
  return properties(schema).map(([name, prop]) => {
    const kind = kindOf(prop);
    const value = name in values ? values[name] : prop.default;
    const title = prop.title || name;
    const hint = prop.description ? el("span", { class: "hint" }, prop.description) : null;
    const data = { setting: name, kind };
    if (kind === "boolean") {
      return el("label", { class: "check" },
        el("input", { type: "checkbox", dataset: data, checked: Boolean(value) }), el("span", {}, title), hint);
    }
    let input;
    if (kind === "enum") {
      input = el("select", { class: "select", dataset: data },
        prop.nullable ? el("option", { value: "" }, "—") : null,
        prop.enum.map((option) => el("option", { value: JSON.stringify(option), selected: option === value }, String(option))));
    } else if (kind === "json") {
      input = el("textarea", { class: "input code", rows: 2, spellcheck: "false", dataset: data,
        placeholder: prop.nullable ? "null (not set)" : null },
      value === undefined || value === null ? "" : JSON.stringify(value, null, 2));
    } else {
      const numeric = kind === "integer" || kind === "number";
      input = el("input", {
        class: "input", dataset: data,
        type: numeric ? "number" : kind === "secret" ? "password" : "text",
        step: kind === "integer" ? "1" : numeric ? "any" : null,
        min: prop.minimum ?? prop.exclusiveMinimum ?? null,
        max: prop.maximum ?? prop.exclusiveMaximum ?? null,
        value: value === undefined || value === null || kind === "secret" ? "" : String(value),
        autocomplete: kind === "secret" ? "new-password" : "off",
      });
    }
    if (required.has(name)) input.required = true;
    return el("label", { class: "field" }, el("span", {}, title), input, hint);
  });
}

/** The settings `fields` (an element holding them, or the list schemaFields made) hold, for the
 * API; throws an Error naming a field whose value is not valid. */
export function readSchemaFields(fields, schema) {
  const props = Object.fromEntries(properties(schema));
  const required = new Set(schema?.required || []);
  const values = {};
  const inputs = (container) => (container.matches?.("[data-setting]") ? [container] : [...container.querySelectorAll("[data-setting]")]);
  for (const input of [].concat(fields instanceof Element ? [fields] : fields).flatMap(inputs)) {
    const name = input.dataset.setting;
    const prop = props[name] || {};
    const title = prop.title || name;
    const raw = input.value;
    switch (input.dataset.kind) {
      case "boolean":
        values[name] = input.checked;
        break;
      case "enum":
        if (raw === "") values[name] = null;
        else values[name] = JSON.parse(raw);
        break;
      case "integer":
      case "number":
        if (raw.trim() === "") {
          if (required.has(name)) throw new Error(`${title}: enter a number.`);
          if (prop.nullable) values[name] = null;
          break;
        }
        values[name] = Number(raw);
        if (!Number.isFinite(values[name]) || (input.dataset.kind === "integer" && !Number.isInteger(values[name]))) {
          throw new Error(`${title}: enter a ${input.dataset.kind === "integer" ? "whole number" : "number"}.`);
        }
        break;
      case "json":
        if (raw.trim() === "") { if (prop.nullable) values[name] = null; break; }
        try { values[name] = JSON.parse(raw); } catch (error) {
          throw new Error(`${title}: this is not valid JSON (${error.message}).`);
        }
        break;
      case "secret":
        if (raw !== "") values[name] = raw; // empty: unchanged (the API never sends secrets back)
        break;
      default:
        if (raw === "" && !required.has(name) && prop.nullable) values[name] = null;
        else if (raw !== "" || required.has(name) || prop.default !== undefined) values[name] = raw;
    }
  }
  return values;
}
