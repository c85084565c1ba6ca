// Device reception: after each scan, empty the code field and keep the focus there, so the
// scanner can go on with the next unit.
document.body.addEventListener("htmx:afterRequest", (event) => {
  if (event.detail.elt.id !== "scan-form") {
    return;
  }
  const input = document.getElementById("id_code");
  input.value = "";
  input.focus();
});
