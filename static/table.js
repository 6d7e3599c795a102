/* The candidates table: expand a parent's children in place, and keep the viewer's column choice. No inline
   script (the page's CSP): everything reads data- attributes and the forms already on the page. */
(function () {
  "use strict";

  var table = document.getElementById("candidates");
  var selection = document.getElementById("selection");
  var csrf = selection && selection.querySelector("input[name=csrfmiddlewaretoken]");

  function post(url, pairs) {
    var body = new URLSearchParams();
    body.append("csrfmiddlewaretoken", csrf ? csrf.value : "");
    pairs.forEach(function (p) { body.append(p[0], p[1]); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" }
    });
  }

  // Nested candidates: the parent's button loads its child rows (server-rendered, escaped) once, then toggles.
  if (table) {
    table.addEventListener("click", function (e) {
      var button = e.target.closest("button.expand");
      if (!button) return;
      var parentId = button.dataset.parent;
      var row = button.closest("tr");
      var open = button.getAttribute("aria-expanded") === "true";
      var children = table.querySelectorAll('tr.child[data-parent="' + parentId + '"]');
      if (button.dataset.loaded) {
        children.forEach(function (tr) { tr.hidden = open; });
        button.setAttribute("aria-expanded", open ? "false" : "true");
        button.firstChild.textContent = open ? "▸ " : "▾ ";
        return;
      }
      button.disabled = true;
      fetch(table.dataset.childrenUrl + "&parent=" + encodeURIComponent(parentId), {
        credentials: "same-origin", headers: { Accept: "text/html" }
      })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
        .then(function (html) {
          var holder = document.createElement("tbody");
          holder.innerHTML = html;
          var after = row;
          Array.prototype.slice.call(holder.children).forEach(function (tr) {
            tr.dataset.parent = parentId;
            after.after(tr);
            after = tr;
          });
          button.dataset.loaded = "1";
          button.setAttribute("aria-expanded", "true");
          button.firstChild.textContent = "▾ ";
        })
        .catch(function () { button.title = "Could not load the child candidates"; })
        .then(function () { button.disabled = false; });
    });
  }

  // Columns: a changed choice is saved for this person and experiment before the filter form is applied.
  var form = document.getElementById("filter-form");
  var prefsUrl = "candidates/table-prefs";
  if (!form || !form.querySelector(".columns-picker") || !csrf) return;
  function chosen() {
    return Array.prototype.slice.call(form.querySelectorAll("input[name=col]:checked"))
      .map(function (b) { return b.value; });
  }
  var initial = chosen().join("\n");
  var saving = false;
  form.addEventListener("submit", function (e) {
    var now = chosen();
    if (saving || now.join("\n") === initial) return;
    e.preventDefault();
    saving = true;
    post(prefsUrl, [["action", "columns"]].concat(now.map(function (c) { return ["col", c]; })))
      .catch(function () {})
      .then(function () { form.submit(); });
  });
  var reset = document.getElementById("reset-columns");
  if (reset) reset.addEventListener("click", function () {
    post(prefsUrl, [["action", "reset-columns"]]).catch(function () {}).then(function () {
      var params = new URLSearchParams(window.location.search);
      params.delete("col");
      params.delete("cursor");
      window.location.search = params.toString();
    });
  });
})();
