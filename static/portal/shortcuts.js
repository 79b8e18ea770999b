// Keyboard shortcuts of the queues and the case page; "?" lists them (templates/includes/shortcuts.html).
// j / k: next / previous case (in a queue the row, on a case page the case of the queue it was
// opened from), o or Enter: open the selected case, a: the action panel, /: the search field.
// Ignored while typing in a field and with Ctrl, Alt or Meta held.
(function () {
  "use strict";
  var STORE = "portal.queue";

  function typing(target) {
    if (!target || !target.closest) { return false; }
    return target.isContentEditable || !!target.closest("input, textarea, select, [contenteditable]");
  }

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll(
      "table.table-queue tbody tr, .followup-list .followup-row"));
  }

  function rowLink(row) {
    return row && (row.querySelector("a.queue-link") || row.querySelector("a[href]"));
  }

  var selected = -1;

  function select(index) {
    var all = rows();
    if (!all.length) { return false; }
    selected = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row, i) {
      row.classList.toggle("shortcut-selected", i === selected);
      if (i === selected) { row.setAttribute("aria-current", "true"); } else { row.removeAttribute("aria-current"); }
    });
    var link = rowLink(all[selected]);
    if (link) { link.focus({ preventScroll: true }); }
    all[selected].scrollIntoView({ block: "nearest" });
    return true;
  }

  // A queue remembers its cases (this tab only), so j / k on a case page go through them in order.
  function rememberQueue() {
    var links = rows().map(rowLink).filter(Boolean).map(function (a) { return a.getAttribute("href"); });
    if (links.length) {
      try { window.sessionStorage.setItem(STORE, JSON.stringify(links)); } catch (e) { /* storage off */ }
    }
  }

  function stepCase(delta) {
    var list;
    try { list = JSON.parse(window.sessionStorage.getItem(STORE) || "[]"); } catch (e) { list = []; }
    var here = list.indexOf(window.location.pathname);
    var next = here === -1 ? -1 : here + delta;
    if (next >= 0 && next < list.length) { window.location.assign(list[next]); return true; }
    return false;
  }

  function openActions() {
    var panel = document.getElementById("actions");
    if (!panel) { return false; }
    var open = panel.querySelector(".accordion-collapse.show");
    if (!open) {
      var first = panel.querySelector(".accordion-button");
      if (!first) { return false; }
      first.click();
      open = panel.querySelector(".accordion-collapse");
    }
    panel.scrollIntoView({ block: "nearest" });
    var field = open && open.querySelector("input:not([type=hidden]), select, textarea, button");
    (field || panel.querySelector(".accordion-button")).focus();
    return true;
  }

  function focusSearch() {
    var search = document.querySelector("[role=search] input[type=search], input[type=search]");
    if (!search) { return false; }
    search.focus();
    search.select();
    return true;
  }

  function showHelp() {
    var overlay = document.getElementById("shortcut-help");
    if (!overlay || typeof bootstrap === "undefined") { return false; }
    bootstrap.Modal.getOrCreateInstance(overlay).show();
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.altKey || event.metaKey || typing(event.target)) { return; }
    if (document.querySelector(".modal.show") && event.key !== "?") { return; }
    var onQueue = rows().length > 0;
    var onCase = !!document.getElementById("actions") || !!document.getElementById("waiting-for");
    var done = false;
    switch (event.key) {
      case "j":
        done = onQueue ? select(selected + 1) : onCase && stepCase(1);
        break;
      case "k":
        done = onQueue ? select(selected < 0 ? 0 : selected - 1) : onCase && stepCase(-1);
        break;
      case "o":
      case "Enter":
        if (onQueue && selected >= 0 && (event.key === "o" || event.target === document.body ||
            event.target === rowLink(rows()[selected]))) {
          var link = rowLink(rows()[selected]);
          if (link) { window.location.assign(link.getAttribute("href")); done = true; }
        }
        break;
      case "a":
        done = openActions();
        break;
      case "/":
        done = focusSearch();
        break;
      case "?":
        done = showHelp();
        break;
    }
    if (done) { event.preventDefault(); }
  });

  document.addEventListener("DOMContentLoaded", rememberQueue);
})();
