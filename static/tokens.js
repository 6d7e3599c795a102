// Access token pages: the Copy button next to a new token (the page allows no inline script).
(function () {
  "use strict";
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.getAttribute("data-copy-target"));
      if (!input) return;
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () { document.execCommand("copy"); done(); });
      } else {
        document.execCommand("copy");
        done();
      }
    });
  });
  document.querySelectorAll("form button.revoke").forEach(function (button) {
    button.form.addEventListener("submit", function (event) {
      if (!window.confirm("Revoke this token? Anything using it stops working at once.")) event.preventDefault();
    });
  });
})();
