// <Table>: an object's keys and values, or a list of rows, as a table (text only).

import { ensureStylesheet } from "/static/editor/dom.js";

ensureStylesheet(new URL("./text.css", import.meta.url));

const show = (value) => (value === null || value === undefined ? "" :
  typeof value === "object" ? JSON.stringify(value) : String(value));

function parseCsv(text, separator, headless) {
  const rows = String(text).split(/\r?\n/).filter((line) => line.trim()).map((line) => line.split(separator));
  if (headless) return rows.map((cells) => Object.fromEntries(cells.map((cell, index) => [String(index), cell])));
  const [header = [], ...body] = rows;
  return body.map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index] ?? ""])));
}

export function mount(node, ctx) {
  let data = ctx.resolve(node.attrs.value);
  const type = node.attrs.valueType || "json";
  if (type.startsWith("csv")) {
    const options = type.split(/[|;]/).slice(1);
    const separator = (options.find((option) => option.startsWith("separator=")) || "separator=,").slice(10) || ",";
    data = parseCsv(data, separator, options.includes("headless"));
  }
  const table = ctx.h("table", { class: "lc-table" });
  if (Array.isArray(data)) {
    const columns = [...new Set(data.flatMap((row) => (row && typeof row === "object" ? Object.keys(row) : [])))];
    table.append(ctx.h("thead", {}, ctx.h("tr", {}, columns.map((column) => ctx.h("th", {}, column)))),
      ctx.h("tbody", {}, data.map((row) => ctx.h("tr", {}, columns.map((column) => ctx.h("td", {}, show(row && row[column])))))));
  } else if (data && typeof data === "object") {
    table.append(ctx.h("tbody", {}, Object.entries(data).map(([key, value]) =>
      ctx.h("tr", {}, ctx.h("th", {}, key), ctx.h("td", {}, show(value))))));
  } else {
    table.append(ctx.h("tbody", {}, ctx.h("tr", {}, ctx.h("td", {}, show(data)))));
  }
  ctx.el.append(table);
  return {};
}
