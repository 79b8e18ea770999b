// The intake form's "Dispatch to" pre-filled by the routing rules (cases/routing.py) as the
// clerk chooses the category, dispute type, channel and product line. Once the clerk has
// chosen a department (by hand or by taking a suggestion) it is left alone.
(function () {
  const form = document.getElementById("intake-form");
  const target = document.getElementById("id_department");
  if (!form || !target || !form.dataset.routeUrl) {
    return;
  }
  let chosen = Boolean(target.value);
  const facts = ["category", "dispute_type", "channel", "product_line"];
  target.addEventListener("change", function () { chosen = true; });
  form.addEventListener("change", function (event) {
    if (chosen || facts.indexOf(event.target.name) === -1) {
      return;
    }
    const body = new FormData();
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    facts.forEach(function (name) {
      const field = form.elements[name];
      body.append(name, field ? field.value : "");
    });
    fetch(form.dataset.routeUrl, { method: "POST", body: body, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (answer) {
        if (answer && !chosen) {
          target.value = answer.department;
        }
      });
  });
})();
