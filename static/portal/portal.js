// Behaviour without inline scripts, so the Content-Security-Policy can forbid them.
document.addEventListener("change", function (event) {
  if (event.target.classList.contains("js-autosubmit")) {
    event.target.form.submit();
  }
});
document.addEventListener("click", function (event) {
  const el = event.target.closest("[data-confirm]");
  if (el && !window.confirm(el.dataset.confirm)) {
    event.preventDefault();
    event.stopImmediatePropagation();
  }
}, true);

// Fields that only matter for one choice of another field, e.g. data-show-when="channel=regulator"
// next to a <select data-toggle-group="channel">. Hidden fields keep their value; the server
// ignores them when they do not apply.
function portalApplyToggles(root) {
  (root || document).querySelectorAll("[data-toggle-group]").forEach(function (select) {
    const group = select.dataset.toggleGroup;
    document.querySelectorAll('[data-show-when^="' + group + '="]').forEach(function (el) {
      const wanted = el.dataset.showWhen.split("=")[1].split("|");
      el.hidden = wanted.indexOf(select.value) === -1;
    });
  });
}
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-toggle-group]")) {
    portalApplyToggles();
  }
});
document.addEventListener("DOMContentLoaded", function () {
  portalApplyToggles();
});
// An action's form fetched when its item of the case page's panel is opened.
document.addEventListener("htmx:afterSettle", function () {
  portalApplyToggles();
});

// The bulk bar of a queue (cases/_bulk_bar.html): counts the ticked cases, ticks a whole page.
function portalBulkCount() {
  const ticked = document.querySelectorAll('input[name="cases"][form="bulk-form"]:checked').length;
  document.querySelectorAll("[data-bulk-count]").forEach(function (el) { el.textContent = ticked; });
  document.querySelectorAll("[data-bulk-submit]").forEach(function (el) { el.disabled = ticked === 0; });
}
document.addEventListener("change", function (event) {
  if (event.target.matches("[data-bulk-all]")) {
    document.querySelectorAll('input[name="cases"][form="bulk-form"]').forEach(function (box) {
      box.checked = event.target.checked;
    });
  }
  if (event.target.matches('[data-bulk-all], input[name="cases"][form="bulk-form"]')) {
    portalBulkCount();
  }
});

// After a form came back with errors: the focus goes to the first invalid field (the page's
// autofocus aside), so the user starts where the correction is needed.
document.addEventListener("DOMContentLoaded", function () {
  const first = document.querySelector("form .is-invalid:not(fieldset), form fieldset.is-invalid input");
  if (first) {
    first.focus();
    first.scrollIntoView({ block: "center" });
  }
});
