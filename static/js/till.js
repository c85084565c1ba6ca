// The till screen. A keyboard-wedge scanner types a code and presses Enter, sometimes faster
// than the server answers: each code is taken from the field at once and posted through htmx
// one after another; the answer replaces the cart panel. Enter in the scan field only adds the
// item: the sale is confirmed by its own button in the payment form. Without JavaScript the
// scan form posts as a normal page.
(() => {
  const form = document.getElementById("till-scan-form");
  const input = document.getElementById("till-code");
  if (!form || !input) {
    return;
  }
  let queue = Promise.resolve();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    // Not a page submission: the scan field stays usable (no busy button for the next code).
    event.stopPropagation();
    const code = input.value.trim();
    input.value = "";
    input.focus();
    if (!code) {
      return;
    }
    queue = queue
      .then(() =>
        htmx.ajax("POST", form.action, {
          source: form,
          target: "#till-panel",
          swap: "outerHTML",
          values: { code },
        }),
      )
      .catch(() => {});
  });

  // Change due, shown as the cash received is typed (the server computes it again).
  const showChange = () => {
    const note = document.getElementById("change-due");
    const cash = document.getElementById("id_cash_amount");
    const received = document.getElementById("id_cash_received");
    if (!note || !cash || !received) {
      return;
    }
    const parse = (value) => Number.parseFloat(String(value).replace(",", "."));
    const due = parse(cash.value || "0");
    const given = parse(received.value || "");
    if (Number.isNaN(given) || Number.isNaN(due) || given < due) {
      note.textContent = "";
      return;
    }
    const change = (given - due).toFixed(2).replace(".", ",");
    note.textContent = `${note.dataset.label} ${change} €`;
    // Read out by the page's one live region (the note itself is replaced with the panel).
    document.getElementById("live-region").textContent = note.textContent;
  };
  document.addEventListener("input", (event) => {
    if (event.target.id === "id_cash_received" || event.target.id === "id_cash_amount") {
      showChange();
    }
  });

  // Shortcuts: F-keys only (a scanner types letters and digits, then Enter), each shown on
  // its button. F2 adds the first top-up, F4 takes the exact cash, F9 confirms the sale,
  // F8 prints the receipt of the sale just made.
  const press = (key) => {
    const button = document.querySelector(`[data-shortcut="${key}"]`);
    if (!button || button.disabled) {
      return false;
    }
    button.click();
    return true;
  };
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) {
      return;
    }
    if (["F2", "F4", "F8", "F9"].includes(event.key)) {
      event.preventDefault();
      if (!event.repeat) {
        press(event.key);
      }
    } else if (event.key === "Enter" && event.target.closest && event.target.closest("#payment-form")) {
      // Enter never sells: only the confirm button (or F9) does.
      if (event.target.tagName === "INPUT") {
        event.preventDefault();
      }
    }
  });
  document.addEventListener("click", (event) => {
    if (!event.target.closest || !event.target.closest("#exact-cash")) {
      return;
    }
    const cash = document.getElementById("id_cash_amount");
    const received = document.getElementById("id_cash_received");
    const total = document.getElementById("payment-total");
    if (!cash || !received || !total) {
      return;
    }
    cash.value = total.textContent.replace("€", "").trim().replace(",", ".");
    received.value = cash.value;
    showChange();
    document.getElementById("confirm-sale").focus();
  });

  // After the panel changes, a payment error keeps the focus on its field; otherwise the
  // scanner's field is ready for the next code.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "customer-results") {
      return;
    }
    // After htmx has settled (it gives the focus back to the element that had it); unless the
    // counsellor has moved the focus meanwhile (a field clicked or tabbed to): that is kept.
    const focused = document.activeElement;
    window.setTimeout(() => {
      if (document.activeElement !== focused) {
        return;
      }
      const invalid = document.querySelector("#payment-form [aria-invalid=true]");
      (invalid || input).focus();
    }, 0);
  });
})();
