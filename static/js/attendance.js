// Attendance: "Everyone present" ticks "present" for each person (then adjust the exceptions).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("all-present");
  if (!button) return;
  button.addEventListener("click", () => {
    document
      .querySelectorAll('#attendance-form input[type="radio"][value="present"]')
      .forEach((radio) => {
        radio.checked = true;
      });
  });
});
