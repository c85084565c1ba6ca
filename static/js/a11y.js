// Accessibility helpers of every page (no inline script or handler: CSP).
// - The form-errors summary takes the focus when the page opens; its links focus their field.
// - After a search, focus goes to the first result ([data-focus-on-load]).
// - Submitting a form marks its button busy (aria-busy) and ignores a second submission; so does
//   following a link to a PDF or CSV made on the fly.
// - htmx requests mark their element (and a form's button) busy, and a second click meanwhile is
//   dropped. Their messages are read out by the page's one live
//   region (#live-region, base.html): answers swap text into it (includes/live_message.html),
//   never replace it.
// - Two minutes before the idle logout, a dialog offers to stay logged in.
(() => {
  const BUSY_RELEASE_MS = 8000; // downloads (PDF, CSV) leave the page in place: release the button

  function focusErrorSummary() {
    const summary = document.querySelector("[data-error-summary]");
    if (!summary) return;
    summary.focus();
    summary.addEventListener("click", (event) => {
      const link = event.target.closest("[data-error-link]");
      if (!link) return;
      const field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      field.scrollIntoView({ block: "center" });
      field.focus();
    });
  }

  // After a search, the first result takes the focus (its first button or link, else itself).
  function focusFirstResult() {
    const results = document.querySelector("[data-focus-on-load]");
    if (!results || document.querySelector("[data-error-summary]")) return;
    const target = results.querySelector("button, a[href], input:not([type=hidden])") || results;
    target.focus();
  }

  function setBusy(element, busy) {
    if (!element) return;
    if (busy) {
      element.setAttribute("aria-busy", "true");
      element.classList.add("is-busy");
    } else {
      element.removeAttribute("aria-busy");
      element.classList.remove("is-busy");
    }
  }

  function guardSubmissions() {
    document.addEventListener("submit", (event) => {
      const form = event.target;
      if (form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) return; // htmx's own
      if (form.dataset.submitting === "true") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "true";
      const button = event.submitter || form.querySelector('[type="submit"]');
      setBusy(button, true);
      setBusy(form, true);
      window.setTimeout(() => {
        delete form.dataset.submitting;
        setBusy(button, false);
        setBusy(form, false);
      }, BUSY_RELEASE_MS);
    });
    // Download links (a PDF or CSV made on the fly): busy for a while, a second click ignored.
    document.addEventListener("click", (event) => {
      const link = event.target.closest && event.target.closest("a[href]");
      if (!link || !/\.(pdf|csv)(\?|$)/.test(link.getAttribute("href"))) return;
      if (link.getAttribute("aria-busy") === "true") {
        event.preventDefault();
        return;
      }
      setBusy(link, true);
      window.setTimeout(() => setBusy(link, false), BUSY_RELEASE_MS);
    });
    // Back from the browser's cache: the page's forms are usable again.
    window.addEventListener("pageshow", () => {
      document.querySelectorAll("form[data-submitting]").forEach((form) => {
        delete form.dataset.submitting;
        setBusy(form, false);
        form.querySelectorAll("[aria-busy]").forEach((el) => setBusy(el, false));
      });
    });
  }

  // The button that sent an htmx request (a form's submitter), busy with its form.
  const busyButtons = new WeakMap();
  function followHtmx() {
    // A second click while the first request is on its way is dropped (htmx would queue it):
    // only for what a person triggers, not for the scanners' own queues (htmx.ajax, no event).
    document.body.addEventListener("htmx:confirm", (event) => {
      const { elt, triggeringEvent } = event.detail;
      if (triggeringEvent && elt.getAttribute("aria-busy") === "true") event.preventDefault();
    });
    document.body.addEventListener("htmx:beforeRequest", (event) => {
      const elt = event.detail.elt;
      const trigger = event.detail.requestConfig && event.detail.requestConfig.triggeringEvent;
      setBusy(elt, true);
      if (trigger && elt.tagName === "FORM") {
        const button = trigger.submitter || elt.querySelector('[type="submit"]');
        setBusy(button, true);
        busyButtons.set(elt, button);
      }
    });
    document.body.addEventListener("htmx:afterRequest", (event) => {
      const elt = event.detail.elt;
      setBusy(elt, false);
      setBusy(busyButtons.get(elt), false);
      busyButtons.delete(elt);
    });
  }

  function idleWarning() {
    const dialog = document.getElementById("idle-dialog");
    if (!dialog) return;
    const idleSeconds = Number(dialog.dataset.idleSeconds);
    const warnSeconds = Number(dialog.dataset.warnSeconds);
    const keepAliveUrl = dialog.dataset.keepAliveUrl;
    const expired = document.getElementById("idle-expired");
    const warning = document.getElementById("idle-warning");
    const stay = document.getElementById("idle-stay");
    let warnTimer;
    let expireTimer;

    function schedule() {
      window.clearTimeout(warnTimer);
      window.clearTimeout(expireTimer);
      warnTimer = window.setTimeout(() => {
        warning.hidden = false;
        expired.hidden = true;
        stay.hidden = false;
        if (!dialog.open) dialog.showModal();
        stay.focus();
      }, (idleSeconds - warnSeconds) * 1000);
      expireTimer = window.setTimeout(() => {
        // Nothing is reloaded: what was typed stays on screen, and the dialog says so.
        warning.hidden = true;
        expired.hidden = false;
        stay.hidden = true;
        if (!dialog.open) dialog.showModal();
        document.getElementById("idle-login").focus();
      }, idleSeconds * 1000);
    }

    stay.addEventListener("click", async () => {
      const response = await fetch(keepAliveUrl, { credentials: "same-origin" });
      if (response.ok && !response.redirected) {
        dialog.close();
        schedule();
      }
    });
    document.getElementById("idle-close").addEventListener("click", () => dialog.close());
    // Any htmx request renews the session on the server, as a page load does.
    document.body.addEventListener("htmx:afterRequest", schedule);
    schedule();
  }

  function start() {
    focusErrorSummary();
    focusFirstResult();
    guardSubmissions();
    followHtmx();
    idleWarning();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
