// Rule set editor: "Add a tier" appends a row from the empty-form template and keeps the
// formset's TOTAL_FORMS in step. Kept in a static file because the CSP forbids inline scripts.
document.addEventListener("DOMContentLoaded", () => {
  const button = document.getElementById("add-tier");
  const template = document.getElementById("tier-template");
  const total = document.getElementById("id_tiers-TOTAL_FORMS");
  const body = document.querySelector("#tiers tbody");
  if (!button || !template || !total || !body) return;
  button.addEventListener("click", () => {
    const index = parseInt(total.value, 10);
    const html = template.innerHTML.replace(/__prefix__/g, String(index));
    body.insertAdjacentHTML("beforeend", html);
    body.lastElementChild.querySelector(".tier-number").textContent = String(index + 1);
    total.value = String(index + 1);
  });
});
