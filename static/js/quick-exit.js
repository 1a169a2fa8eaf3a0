/* «Быстрый выход»: replace this page with a neutral site, leaving no history entry (location.replace).
   Without JavaScript the button is a plain link (rel=noreferrer). Esc does the same. */
(function () {
  "use strict";
  var box = document.querySelector("[data-quick-exit]");
  if (!box) return;
  var target = box.getAttribute("data-quick-exit");
  function leave(event) {
    if (event) event.preventDefault();
    try { document.body.style.visibility = "hidden"; } catch (e) { /* nothing to hide */ }
    window.location.replace(target);
  }
  var button = box.querySelector("a");
  if (button) button.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") leave(event);
  });
})();
