// Device reception by scanning: a keyboard-wedge scanner types each code and presses Enter,
// often faster than the server answers. Each code is taken from the field at once (so the next
// one can be typed), then posted through htmx one after another; the answer adds the unit to
// the list in place. Without JavaScript, the form still posts as a normal page. The form is
// `novalidate`: the code field is empty by the time htmx sends it (the server checks it).
(() => {
  const form = document.getElementById("scan-form");
  if (!form) {
    return;
  }
  const input = document.getElementById("id_code");
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
          target: "#received-units",
          swap: "afterbegin",
          values: { code },
        }),
      )
      .catch(() => {});
  });
})();
