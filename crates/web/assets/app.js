// jiceng: the little script the pages need (no inline scripts anywhere, per the CSP).
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // On a phone, the navigation starts collapsed.
    var menu = document.querySelector(".navmenu");
    if (menu && window.matchMedia("(max-width: 899px)").matches) { menu.open = false; }
    // Buttons that ask before acting: <button data-confirm="…">.
    document.addEventListener("click", function (e) {
      var t = e.target.closest("[data-confirm]");
      if (t && !window.confirm(t.getAttribute("data-confirm"))) { e.preventDefault(); }
    });
  });
})();
