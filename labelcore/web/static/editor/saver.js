// Draft autosave: a debounced POST (then PATCH) of the work in progress, so a reload or a crash
// loses at most a couple of seconds. Submitting passes the draft id so the server drops it.

import { api } from "./api.js";

const DELAY_MS = 1500;

export class Saver {
  constructor(session) {
    this.session = session;
    this.api = api;
    const draft = session.options.draft;
    this.draftId = draft && draft.id ? draft.id : null;
    this.timer = null;
    this.pending = Promise.resolve();
    this.enabled = session.mode === "label" && !session.readonly && session.task.id !== null &&
      session.task.id !== undefined && !session.options.onSubmit;
  }

  schedule() {
    if (!this.enabled) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), DELAY_MS);
  }

  flush() {
    clearTimeout(this.timer);
    this.timer = null;
    if (!this.enabled) return this.pending;
    this.pending = this.pending.then(() => this._save()).catch((error) => {
      this.session.chrome.status(`Draft not saved: ${error.message}`);
    });
    return this.pending;
  }

  async _save() {
    const body = { result: this.session.store.toResults(), lead_time: this.session.leadTime() };
    const annotation = this.session.options.annotation;
    if (this.draftId) {
      await this.api.updateDraft(this.draftId, body);
    } else {
      const draft = annotation
        ? await this.api.createAnnotationDraft(annotation.id, body)
        : await this.api.createDraft(this.session.task.id, body);
      this.draftId = draft.id;
    }
    this.session.chrome.status("Draft saved");
  }

  /** Wait for in-flight saves (a pending timer is dropped: the submit carries the result). */
  async settle() {
    clearTimeout(this.timer);
    this.timer = null;
    await this.pending;
    return this.draftId;
  }

  /** After an update the next changes start a new draft. */
  reset() {
    this.stop();
    this.draftId = null;
    this.pending = Promise.resolve();
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }
}
