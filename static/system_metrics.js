/* Candidate page: charts of the system metrics (`system/*`), apart from the model metrics' charts. */
(function () {
  "use strict";
  var box = document.getElementById("system-metric-charts");
  if (!box || !box.dataset.url || typeof Plotly === "undefined") return;
  function esc(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }
  fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
    .then(function (data) {
      box.innerHTML = "";
      data.series.forEach(function (s, i) {
        var div = document.createElement("div");
        div.id = "system-chart-" + i; div.className = "chart system-chart"; div.dataset.metric = s.metric;
        box.appendChild(div);
        Plotly.react(div, [{ type: "scattergl", mode: s.x.length > 60 ? "lines" : "lines+markers", x: s.x, y: s.y,
                             name: esc(s.metric), line: { color: "#6e49cb" } }],
          { title: { text: esc(s.metric), font: { size: 14 }, x: 0, xanchor: "left" }, height: 260,
            margin: { l: 56, r: 16, t: 36, b: 40 }, xaxis: { title: { text: "step" }, gridcolor: "#ececef" },
            yaxis: { gridcolor: "#ececef" }, paper_bgcolor: "#fff", plot_bgcolor: "#fff", showlegend: false },
          { responsive: true, displaylogo: false });
      });
      box.setAttribute("aria-busy", "false");
      box.dataset.loaded = "1";
    })
    .catch(function () { box.textContent = "The system metric charts could not be loaded."; });
})();
