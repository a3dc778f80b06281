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
    // Uploads (<form data-upload>) show how much of the file has been sent; the server's answer
    // (the import's progress page, or the form again with the errors) then replaces the page.
    document.addEventListener("submit", function (e) {
      var form = e.target;
      if (!form.hasAttribute || !form.hasAttribute("data-upload") || !window.FormData) { return; }
      var file = form.querySelector("input[type=file]");
      if (!file || !file.files || file.files.length === 0) { return; }
      e.preventDefault();
      var bar = form.querySelector(".upload-progress");
      var status = form.querySelector(".upload-status");
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; button.setAttribute("aria-busy", "true"); }
      if (bar) { bar.hidden = false; bar.value = 0; }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.upload.addEventListener("progress", function (p) {
        if (!p.lengthComputable) { return; }
        var pct = Math.round(p.loaded * 100 / p.total);
        if (bar) { bar.value = pct; }
        if (status) { status.textContent = pct < 100 ? "正在上传 " + pct + "%" : "上传完成，正在检查…"; }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== form.action) {
          window.location.assign(xhr.responseURL);
          return;
        }
        document.open();
        document.write(xhr.responseText);
        document.close();
      });
      xhr.addEventListener("error", function () {
        if (status) { status.textContent = "上传失败，请检查网络后重试。"; }
        if (button) { button.disabled = false; button.removeAttribute("aria-busy"); }
      });
      xhr.send(new FormData(form));
    });
  });
})();
