// <DateTime>: a date, time, month or year; saved as Label Studio formats them
// (2024-05-01T13:45, 2024-05-01, 13:45; month/year pickers save the first day).

import { controlValue } from "../editor/control.js";

const pad = (value, size = 2) => String(value).padStart(size, "0");

function strftime(format, date) {
  const parts = { Y: date.getFullYear(), m: pad(date.getMonth() + 1), d: pad(date.getDate()), H: pad(date.getHours()),
    M: pad(date.getMinutes()), S: pad(date.getSeconds()), y: pad(date.getFullYear() % 100), "%": "%" };
  return format.replace(/%([YmdHMSy%])/g, (whole, key) => String(parts[key]));
}

export function mount(node, ctx) {
  const state = controlValue(node, ctx, "datetime");
  const only = new Set((node.attrs.only || "").split(",").map((part) => part.trim()).filter(Boolean));
  ctx.el.classList.add("lc-datetime");
  const inputs = {};
  const add = (key, attrs) => {
    inputs[key] = ctx.h("input", { "aria-label": `${node.name} ${key}`, ...attrs });
    inputs[key].addEventListener("change", save);
    ctx.el.append(inputs[key], " ");
  };
  const timeOnly = only.size === 1 && only.has("time");
  if (!only.size) add("datetime", { type: "datetime-local", min: node.attrs.min, max: node.attrs.max });
  else if (timeOnly) add("time", { type: "time" });
  else {
    if (only.has("date")) add("date", { type: "date", min: node.attrs.min, max: node.attrs.max });
    else if (only.has("month")) add("month", { type: "month" });
    else if (only.has("year")) add("year", { type: "number", min: "1", max: "9999", step: "1", placeholder: "YYYY" });
    if (only.has("time")) add("time", { type: "time" });
  }

  function save() {
    if (inputs.datetime) {
      const value = inputs.datetime.value; // 2024-05-01T13:45
      if (!value) return state.set(null);
      return state.set(node.attrs.format ? strftime(node.attrs.format, new Date(value)) : value.slice(0, 16));
    }
    if (timeOnly) return state.set(inputs.time.value || null);
    let date = null;
    if (inputs.date && inputs.date.value) date = inputs.date.value;
    else if (inputs.month && inputs.month.value) date = `${inputs.month.value}-01`;
    else if (inputs.year && inputs.year.value) date = `${pad(inputs.year.value, 4)}-01-01`;
    if (!date) return state.set(null);
    const time = inputs.time && inputs.time.value;
    const parsed = new Date(`${date}T${time || "00:00"}`);
    if (node.attrs.format) return state.set(strftime(node.attrs.format, parsed));
    return state.set(time ? `${date}T${time}` : date);
  }

  return {
    defaults() {
      if (!state.perRegion && node.attrs.defaultValue && !state.get()) state.set(node.attrs.defaultValue);
    },
    update() {
      const value = state.get() || "";
      if (ctx.el.contains(document.activeElement)) return;
      if (inputs.datetime) inputs.datetime.value = /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(value) ? value.slice(0, 16) : "";
      if (inputs.date) inputs.date.value = /^\d{4}-\d\d-\d\d/.test(value) ? value.slice(0, 10) : "";
      if (inputs.month) inputs.month.value = /^\d{4}-\d\d/.test(value) ? value.slice(0, 7) : "";
      if (inputs.year) inputs.year.value = /^\d{4}/.test(value) ? value.slice(0, 4) : "";
      if (inputs.time) {
        const time = value.match(/(\d\d:\d\d)(?::\d\d)?$/);
        inputs.time.value = time ? time[1] : "";
      }
      for (const input of Object.values(inputs)) input.disabled = Boolean(ctx.readonly);
    },
  };
}
