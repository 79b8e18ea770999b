// Triage suggestions on the intake form (templates/triage/_suggestions.html): a click on a
// suggestion sets its field as if the clerk had chosen the value there; choosing another value
// in the field is the override. The button of the value a field holds is shown pressed.
(function () {
  function markPressed(root) {
    (root || document).querySelectorAll("[data-triage-field]").forEach(function (button) {
      const field = document.getElementById(button.dataset.triageField);
      const pressed = Boolean(field) && field.value === button.dataset.triageValue;
      button.setAttribute("aria-pressed", pressed ? "true" : "false");
      button.classList.toggle("active", pressed);
    });
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-triage-field]");
    if (!button) {
      return;
    }
    const field = document.getElementById(button.dataset.triageField);
    if (field) {
      field.value = button.dataset.triageValue;
      // Other behaviour hangs on the field's change (the misconduct kind shown for its category).
      field.dispatchEvent(new Event("change", { bubbles: true }));
    }
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select")) {
      markPressed();
    }
  });
  document.addEventListener("htmx:afterSwap", function (event) {
    markPressed(event.detail.target);
  });
})();
