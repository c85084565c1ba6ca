// The receipt print page: the Print button opens the browser's print dialog.
(() => {
  const button = document.getElementById("print-receipt");
  if (button) {
    button.addEventListener("click", () => window.print());
  }
})();
