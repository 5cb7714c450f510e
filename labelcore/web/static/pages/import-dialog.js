// The import dialog: paste tasks as JSON, or upload task files (JSON, JSONL, CSV, TSV, TXT) and
// images (one task each) to POST /api/projects/{id}/import, with upload progress
// (XMLHttpRequest's upload.onprogress) and the server's message when it refuses the import.

import { ApiError, csrfToken, el, formatNumber, openDialog, replace, showError, toast } from "./common.js";

function sizeOf(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** POST a body with progress; resolves with the JSON answer, rejects with ApiError. */
function upload(url, body, contentType, onProgress, onUploaded) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    if (contentType) xhr.setRequestHeader("Content-Type", contentType);
    xhr.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
    xhr.upload.onload = () => onUploaded();
    xhr.onload = () => {
      let answer = xhr.responseText;
      try { answer = JSON.parse(xhr.responseText); } catch { /* not JSON: keep the text */ }
      if (xhr.status >= 200 && xhr.status < 300) resolve(answer);
      else reject(new ApiError(xhr.status, answer));
    };
    xhr.onerror = () => reject(new ApiError(0, "The upload failed: the server could not be reached."));
    xhr.send(body);
  });
}

export function setupImportDialog({ projectId, button, onImported }) {
  const dialog = document.getElementById("import-dialog");
  const $ = (id) => document.getElementById(id);
  const input = $("import-files");
  const dropzone = $("dropzone");
  const progress = $("import-progress");
  const bar = progress.querySelector(".progress");
  let files = [];
  let tab = "upload";
  let busy = false;

  function showTab(name) {
    tab = name;
    dialog.querySelectorAll("[data-import-tab]").forEach((node) => node.setAttribute("aria-selected", String(node.dataset.importTab === name)));
    dialog.querySelectorAll("[data-import-panel]").forEach((node) => { node.hidden = node.dataset.importPanel !== name; });
    refresh();
  }

  function refresh() {
    replace($("file-list"), files.map((file) => el("li", {}, el("span", {}, file.name), el("span", { class: "muted" }, sizeOf(file.size)))));
    const ready = tab === "upload" ? files.length > 0 : $("import-json").value.trim().length > 0;
    $("start-import").disabled = busy || !ready;
    $("import-hint").textContent = tab === "upload" && files.length
      ? `${files.length} file${files.length === 1 ? "" : "s"}, ${sizeOf(files.reduce((sum, file) => sum + file.size, 0))}` : "";
  }

  function setProgress(fraction, text) {
    const pct = Math.round(fraction * 100);
    progress.hidden = false;
    bar.firstElementChild.style.width = `${pct}%`;
    bar.setAttribute("aria-valuenow", String(pct));
    $("import-progress-pct").textContent = `${pct}%`;
    if (text) $("import-progress-text").textContent = text;
  }

  function reset() {
    files = [];
    input.value = "";
    $("import-json").value = "";
    progress.hidden = true;
    showError($("import-error"), null);
    $("import-result").hidden = true;
    busy = false;
    showTab("upload");
  }

  async function start() {
    showError($("import-error"), null);
    $("import-result").hidden = true;
    busy = true;
    refresh();
    let body;
    let contentType = null;
    if (tab === "upload") {
      body = new FormData();
      for (const file of files) body.append("file", file, file.name);
    } else {
      body = $("import-json").value;
      contentType = "application/json";
      try { JSON.parse(body); } catch (error) {
        showError($("import-error"), { message: `This is not valid JSON: ${error.message}` });
        busy = false; refresh();
        return;
      }
    }
    setProgress(0, tab === "upload" ? "Uploading…" : "Sending…");
    dialog.dataset.state = "uploading";
    try {
      const result = await upload(`/api/projects/${projectId}/import`, body, contentType,
        (fraction) => setProgress(fraction),
        () => setProgress(1, "Uploaded. Checking and saving the tasks…"));
      setProgress(1, "Done");
      dialog.dataset.state = "done";
      const parts = [`Imported ${formatNumber(result.task_count)} task${result.task_count === 1 ? "" : "s"}`];
      if (result.annotation_count) parts.push(`${formatNumber(result.annotation_count)} annotations`);
      if (result.prediction_count) parts.push(`${formatNumber(result.prediction_count)} predictions`);
      replace($("import-result"), `${parts.join(", ")} in ${result.duration.toFixed(1)} s.`);
      $("import-result").hidden = false;
      files = [];
      input.value = "";
      $("import-json").value = "";
      toast(parts[0], "success");
      onImported?.(result);
    } catch (error) {
      dialog.dataset.state = "error";
      progress.hidden = true;
      showError($("import-error"), error);
    } finally {
      busy = false;
      refresh();
    }
  }

  input.addEventListener("change", () => { files = [...input.files]; refresh(); });
  dropzone.addEventListener("dragover", (event) => { event.preventDefault(); dropzone.classList.add("over"); });
  dropzone.addEventListener("dragleave", () => dropzone.classList.remove("over"));
  dropzone.addEventListener("drop", (event) => {
    event.preventDefault();
    dropzone.classList.remove("over");
    files = [...event.dataTransfer.files];
    refresh();
  });
  $("import-json").addEventListener("input", refresh);
  dialog.querySelectorAll("[data-import-tab]").forEach((node) => node.addEventListener("click", () => showTab(node.dataset.importTab)));
  $("start-import").addEventListener("click", start);
  button.addEventListener("click", () => { reset(); openDialog(dialog); });
}
