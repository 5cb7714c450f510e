// The export dialog: the installed formats (GET /api/projects/{id}/export/formats), disabled ones
// with the reason, and a download link to GET /api/projects/{id}/export?exportType=...

import { api, el, openDialog, replace, showError } from "./common.js";

export function setupExportDialog({ projectId, button }) {
  const dialog = document.getElementById("export-dialog");
  const list = document.getElementById("format-list");
  const download = document.getElementById("export-download");
  const includeAll = document.getElementById("export-all");
  const errorBox = document.getElementById("export-error");
  let chosen = null;

  function updateLink() {
    if (!chosen) {
      download.setAttribute("aria-disabled", "true");
      download.removeAttribute("href");
      return;
    }
    const params = new URLSearchParams({ exportType: chosen });
    if (includeAll.checked) params.set("download_all_tasks", "true");
    download.href = `/api/projects/${projectId}/export?${params}`;
    download.setAttribute("aria-disabled", "false");
  }

  async function load() {
    showError(errorBox, null);
    replace(list, el("p", { class: "muted" }, "Loading formats…"));
    let formats;
    try {
      formats = await api("GET", `/api/projects/${projectId}/export/formats`);
    } catch (error) {
      replace(list);
      showError(errorBox, error);
      return;
    }
    chosen = formats.find((format) => !format.disabled)?.name || null;
    replace(list, formats.map((format) => el("label", {
      class: `format${format.disabled ? " disabled" : ""}`, "data-format": format.name,
    },
    el("input", {
      type: "radio", name: "export-format", value: format.name, disabled: format.disabled,
      checked: format.name === chosen, onchange: () => { chosen = format.name; updateLink(); },
    }),
    el("div", {},
      el("div", { class: "format-title" }, format.title || format.name,
        format.extension ? el("span", { class: "badge", style: "margin-left: 8px" }, format.extension) : null),
      format.description ? el("div", { class: "format-desc" }, format.description) : null,
      format.disabled ? el("div", { class: "format-reason" }, format.disabled_reason || "Not available for this project.") : null))));
    updateLink();
  }

  download.addEventListener("click", (event) => {
    if (!chosen) { event.preventDefault(); return; }
    document.getElementById("export-status").textContent = "Your download starts in a moment…";
  });
  includeAll.addEventListener("change", updateLink);
  button.addEventListener("click", () => {
    document.getElementById("export-status").textContent = "";
    openDialog(dialog);
    load();
  });
}
