// Submitting, updating and skipping an annotation, then moving on to the next task.

import { h } from "./dom.js";

/** Save the session's annotation (or a skip) through onSubmit/onSkip or the REST API. */
export async function saveAnnotation(session, cancelled) {
  session.busy = true;
  session.chrome.update();
  try {
    const draftId = await session.saver.settle();
    const annotation = session.options.annotation;
    const payload = { result: cancelled ? [] : session.store.toResults(), lead_time: session.leadTime(),
      was_cancelled: cancelled };
    if (draftId) payload.draft_id = draftId;
    if (session.prediction && !cancelled) payload.parent_prediction = session.prediction.id;
    const custom = cancelled ? session.options.onSkip : session.options.onSubmit;
    let saved;
    if (custom) saved = await custom(payload, { annotation });
    else if (annotation && !cancelled) saved = await session.saver.api.updateAnnotation(annotation.id, payload);
    else saved = await session.saver.api.createAnnotation(session.task.id, payload);
    session.options.draft = null;
    session.saver.reset();
    session.element.dispatchEvent(new CustomEvent("labelcore:submitted", { bubbles: true,
      detail: { annotation: saved, cancelled } }));
    if (!cancelled && saved && saved.id !== undefined) {
      // from now on this session updates the saved annotation (a page that stays on the task)
      session.options.annotation = { ...(annotation || {}), ...saved };
      session.startedAt = performance.now();
    }
    if (annotation && !cancelled) session.chrome.toast("Annotation updated");
    else await goNext(session);
    return saved;
  } catch (error) {
    session.chrome.toast(`Could not save: ${error.message}`, "error");
    session.errors.push(`save failed: ${error.message}`);
    return null;
  } finally {
    session.busy = false;
    if (!session.destroyed) session.chrome.update();
  }
}

/** After a submit or skip: onNext(next task | null), or mount the next task in place. */
async function goNext(session) {
  const { options } = session;
  if (options.onNext === false) return;
  const project = options.project || {};
  let next = null;
  if (project.id !== undefined && project.id !== null) {
    try {
      next = await session.saver.api.next(project.id);
    } catch (error) {
      if (error.status !== 404) throw error;
    }
  }
  if (options.onNext) {
    options.onNext(next);
  } else if (next) {
    session.remount(next);
  } else {
    session.destroy();
    session.element.replaceChildren(h("div", { class: "lc-editor lc-done" },
      h("h2", {}, "All done"), h("p", {}, "There are no more tasks for you in this project.")));
    session.element.dataset.state = "done";
  }
}
