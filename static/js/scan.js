// Scanning pages (device reception, stocktake by scanning, transfers): a keyboard-wedge
// scanner types each code and presses Enter, often faster than the server answers. Each code is taken from the field at once (so the next
// one can be typed), then posted through htmx one after another; the answer adds the unit to
// the list in place. Without JavaScript, the form still posts as a normal page. The form is
// `novalidate`: the code field is empty by the time htmx sends it (the server checks it).
//
// htmx swaps nothing for an error status (the 409 "please retry" page of a lock timeout, a 500)
// or a lost connection: such a code is listed here as not recorded, so it is scanned again
// rather than lost. The texts come translated in the form's data attributes; `data-target` names
// the list the answers go to, and `data-listed` the inputs whose codes are sent along (so that a
// code already in the list is refused on the spot).
(() => {
  const form = document.getElementById("scan-form");
  if (!form) {
    return;
  }
  const input = form.querySelector('input[name="code"]');
  const target = form.dataset.target || "#received-units";
  const list = document.querySelector(target);
  let queue = Promise.resolve();
  let inFlight = null; // the code being posted (one at a time)

  const icon = () => {
    const element = document.createElement("i");
    element.className = "bi bi-x-octagon";
    element.setAttribute("aria-hidden", "true");
    return element;
  };

  const notRecorded = (reason) => {
    if (inFlight === null) {
      return;
    }
    const text = `${inFlight} — ${form.dataset.notRecorded} (${reason})`;
    inFlight = null;
    const item = document.createElement("li");
    item.className = "list-group-item list-group-item-danger refused-unit";
    item.append(icon(), " ", text);
    list.prepend(item);
    const alert = document.createElement("div");
    alert.className = "alert alert-danger";
    alert.append(icon(), " ", text);
    // Looked up each time: each answer replaces the feedback element (out-of-band swap).
    document.getElementById("scan-feedback").replaceChildren(alert);
    // Read out by the page's one live region, which is never replaced.
    document.getElementById("live-region").textContent = text;
  };

  form.addEventListener("htmx:responseError", (event) => {
    notRecorded(`${form.dataset.errorWord} ${event.detail.xhr.status}`);
  });
  form.addEventListener("htmx:sendError", () => {
    notRecorded(form.dataset.noConnection);
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) {
      return;
    }
    queue = queue
      .then(() => {
        inFlight = code;
        const values = { code };
        if (form.dataset.listed) {
          const listed = document.querySelectorAll(form.dataset.listed);
          values.listed = Array.from(listed, (element) => element.value).join(" ");
        }
        return htmx.ajax("POST", form.action, {
          source: form,
          target,
          swap: "afterbegin",
          values,
        });
      })
      .catch(() => {})
      .then(() => {
        inFlight = null;
      });
  });
})();
