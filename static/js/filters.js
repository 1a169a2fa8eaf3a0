// The results page's filter panel: open on wide screens (closed on phones, so that the first result is on the
// first screen), a change of any filter applies at once (the form is sent; «Применить» stays for no-JS only),
// and after the new page loads the panel is open again with the changed control focused.
(function () {
  var panel = document.querySelector("[data-filters-panel]");
  if (!panel) return;
  var form = panel.closest("form");
  var wide = window.matchMedia("(min-width: 52rem)");
  var KEY = "filters-changed";
  if (wide.matches) panel.open = true;

  panel.querySelectorAll("[data-apply]").forEach(function (button) { button.hidden = true; });
  panel.querySelectorAll("[data-auto-hint]").forEach(function (hint) { hint.hidden = false; });

  function send() {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }
  panel.addEventListener("change", function (event) {
    var control = event.target;
    if (!control.name || control.type === "hidden") return;
    try {
      sessionStorage.setItem(KEY, JSON.stringify({ name: control.name, value: control.value }));
    } catch (e) { /* storage may be disabled: the focus is simply not restored */ }
    panel.setAttribute("aria-busy", "true");
    send();
  });

  // Back on the page after a change: the panel open and the control that was changed focused.
  var saved = null;
  try {
    saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    sessionStorage.removeItem(KEY);
  } catch (e) { saved = null; }
  if (saved && saved.name) {
    var controls = Array.prototype.filter.call(form.elements, function (el) { return el.name === saved.name; });
    var target = controls.filter(function (el) { return el.value === saved.value; })[0] || controls[0];
    if (target) {
      panel.open = true;
      target.focus();
    }
  }

  // «Укажите населённый пункт»: the link opens the panel and focuses the place field.
  document.querySelectorAll("[data-focus-near]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      panel.open = true;
      field.focus();
      field.scrollIntoView({ block: "center" });
    });
  });
})();
