/* Promote form: suggest the next version of the chosen model; the new-model name only when creating one. */
(function () {
  "use strict";
  var select = document.getElementById("id_model"), version = document.getElementById("id_version"),
      row = document.getElementById("new-model-row");
  if (!select || !version || !row) return;
  function sync() {
    var option = select.options[select.selectedIndex];
    version.placeholder = option.getAttribute("data-suggest") || "1.0.0";
    row.hidden = select.value !== "";
  }
  select.addEventListener("change", sync);
  sync();
})();
