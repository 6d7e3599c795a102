/* Assay pages: row selection, compare, and live numbers on the candidates table. No dependencies. */
(function () {
  "use strict";

  function formatMetric(v) {
    // Mirrors the server's `metric` filter (Python's 6g) closely enough for live updates.
    if (v === null || v === undefined) return "";
    if (typeof v !== "number" || !isFinite(v)) return String(v);
    if (v === 0) return "0";
    var exp = Math.floor(Math.log10(Math.abs(v)));
    if (exp < -4 || exp >= 6) {
      var parts = v.toExponential(5).split("e");
      var mant = parts[0].replace(/\.?0+$/, "");
      var e = parseInt(parts[1], 10);
      return mant + "e" + (e < 0 ? "-" : "+") + (Math.abs(e) < 10 ? "0" : "") + Math.abs(e);
    }
    return v.toPrecision(6).replace(/(\.\d*?)0+$/, "$1").replace(/\.$/, "");
  }

  function formatDuration(ms) {
    if (ms === null || ms === undefined) return "";
    var s = ms / 1000;
    if (s < 60) return s.toFixed(1) + "s";
    var m = Math.floor(s / 60), sec = Math.floor(s) % 60;
    if (m < 60) return m + "m " + (sec < 10 ? "0" : "") + sec + "s";
    var h = Math.floor(m / 60); m = m % 60;
    return h + "h " + (m < 10 ? "0" : "") + m + "m";
  }

  window.Assay = { formatMetric: formatMetric, formatDuration: formatDuration };

  function setBadge(cell, status) {
    var badge = cell.querySelector(".badge");
    if (!badge) return;
    badge.className = "badge " + status;
    badge.textContent = status.toLowerCase();
  }

  var table = document.getElementById("candidates");
  if (!table) return;
  // Rows may arrive later (a parent's children, table.js): the boxes are read again on every change.
  function allBoxes() { return Array.prototype.slice.call(table.querySelectorAll("tbody input[name=c]")); }
  var boxes = allBoxes();
  var all = document.getElementById("select-all");
  var counter = document.getElementById("selection-count");
  var compare = document.getElementById("compare-btn");
  var del = document.getElementById("delete-btn");

  function checked() { return allBoxes().filter(function (b) { return b.checked; }); }
  function refresh() {
    var n = checked().length;
    var max = compare ? parseInt(compare.dataset.max, 10) : 0;
    counter.textContent = n + " selected" + (compare && n > max ? " (compare takes at most " + max + ": untick " + (n - max) + ")" : "");
    if (compare) {
      compare.disabled = n < 2 || n > max;
      compare.title = n > max ? "Compare at most " + max + " candidates" : "";
    }
    if (del) del.disabled = n === 0;
    document.querySelectorAll(".needs-selection").forEach(function (b) { b.disabled = n === 0; });
    allBoxes().forEach(function (b) { b.closest("tr").classList.toggle("selected", b.checked); });
  }
  table.addEventListener("change", function (e) {
    if (e.target.matches("tbody input[name=c]")) refresh();
  });
  if (all) all.addEventListener("change", function () {
    allBoxes().forEach(function (b) { b.checked = all.checked; });
    refresh();
  });
  if (compare) compare.addEventListener("click", function () {
    var q = checked().map(function (b) { return "c=" + encodeURIComponent(b.value); }).join("&");
    window.location.href = compare.dataset.compareUrl + "?" + q;
  });
  refresh();

  // Live: poll while anything in the experiment runs; stop as soon as nothing does.
  var running = parseInt(table.dataset.running || "0", 10);
  if (!running || !boxes.length) return;
  var ids = boxes.map(function (b) { return "c=" + b.value; }).join("&");
  var timer = null;
  function poll() {
    fetch(table.dataset.liveUrl + "?" + ids, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) {
        var total = document.getElementById("count-total");
        var run = document.getElementById("count-running");
        if (total) total.textContent = data.total_label;
        if (run) run.textContent = data.running_label;
        data.candidates.forEach(function (c) {
          var row = table.querySelector('tr[data-id="' + c.id + '"]');
          if (!row) return;
          row.dataset.status = c.status;
          setBadge(row.querySelector('[data-field="status"]'), c.status);
          var dur = row.querySelector('[data-field="duration"]');
          if (dur && c.end_time && c.start_time) dur.textContent = formatDuration(c.end_time - c.start_time);
          row.querySelectorAll("td[data-metric]").forEach(function (cell) {
            var m = c.metrics[cell.dataset.metric];
            if (m) cell.textContent = formatMetric(m.value);
          });
        });
        if (!data.running) { clearInterval(timer); table.dataset.running = "0"; }
      })
      .catch(function () { clearInterval(timer); });
  }
  timer = setInterval(poll, parseInt(table.dataset.pollMs, 10) || 5000);
})();
