// The REST calls the labeling engine makes, with the session cookie and the CSRF header that
// cookie-authenticated writes need (labelcore_csrf cookie echoed as X-CSRFToken).

export class ApiError extends Error {
  constructor(status, detail) {
    super(typeof detail === "string" ? detail : JSON.stringify(detail));
    this.status = status;
    this.detail = detail;
  }
}

function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)labelcore_csrf=([^;]*)/);
  return match ? decodeURIComponent(match[1]) : "";
}

export async function request(method, url, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (!["GET", "HEAD"].includes(method)) headers["X-CSRFToken"] = csrfToken();
  const response = await fetch(url, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = text;
  }
  if (!response.ok) throw new ApiError(response.status, data && data.detail !== undefined ? data.detail : data);
  return data;
}

export const api = {
  createAnnotation: (taskId, body) => request("POST", `/api/tasks/${taskId}/annotations`, body),
  updateAnnotation: (annotationId, body) => request("PATCH", `/api/annotations/${annotationId}`, body),
  createDraft: (taskId, body) => request("POST", `/api/tasks/${taskId}/drafts`, body),
  createAnnotationDraft: (annotationId, body) => request("POST", `/api/annotations/${annotationId}/drafts`, body),
  updateDraft: (draftId, body) => request("PATCH", `/api/drafts/${draftId}`, body),
  next: (projectId) => request("GET", `/api/projects/${projectId}/next`),
};
