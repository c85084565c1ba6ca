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
  };
  document.addEventListener("input", (event) => {
    if (event.target.id === "id_cash_received" || event.target.id === "id_cash_amount") {
      showChange();
    }
  });

  // After the panel changes, the scanner's field is ready for the next code.
  document.body.addEventListener("htmx:afterSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "customer-results") {
      return;
    }
    input.focus();
  });
})();
