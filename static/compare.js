/* The compare page: only-differences toggle, overlaid metric curves (JSON loaded after the page), scatter and
   parallel coordinates of the selection (json_script data), and the image step sliders. Calls Plotly directly. */
(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  var FONT = { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12, color: "#333238" };

  // Plotly renders a small HTML subset in names, titles and hover text; entities keep user text literal.
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function json(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }
  function layout(title, extra) {
    return Object.assign({
      title: { text: esc(title), font: { size: 14 }, x: 0, xanchor: "left" },
      font: FONT, margin: { l: 56, r: 16, t: 36, b: 40 }, height: 320, hovermode: "closest",
      xaxis: { gridcolor: "#ececef", zeroline: false }, yaxis: { gridcolor: "#ececef", zeroline: false },
      paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    }, extra || {});
  }

  // ---------------------------------------------------------------- only differences
  var table = document.getElementById("compare");
  var toggle = document.getElementById("only-diff");
  if (table && toggle) {
    var groups = table.querySelectorAll("tbody tr.group");
    Array.prototype.forEach.call(groups, function (g) {
      var any = false;
      for (var row = g.nextElementSibling; row && !row.classList.contains("group"); row = row.nextElementSibling) {
        any = any || row.classList.contains("diff");
      }
      g.classList.toggle("no-diff", !any);
    });
    var empty = document.getElementById("only-diff-empty");
    var apply = function () {
      table.classList.toggle("only-diff", toggle.checked);
      if (empty) empty.hidden = !(toggle.checked && !table.querySelector("tbody tr.diff"));
    };
    toggle.addEventListener("change", apply);
    apply();
  }

  // ---------------------------------------------------------------- overlaid metric curves
  var box = document.getElementById("metric-charts");
  function note(text) {
    box.innerHTML = "";
    var p = document.createElement("p");
    p.className = "muted";
    p.textContent = text;
    box.appendChild(p);
  }
  function drawCurves(data) {
    var labels = {};
    data.candidates.forEach(function (c) { labels[c.id] = c.label; });
    var byMetric = {};
    data.series.forEach(function (s) { (byMetric[s.metric] = byMetric[s.metric] || []).push(s); });
    var metrics = Object.keys(byMetric).sort();
    box.innerHTML = "";
    if (!metrics.length) note("No metric history.");
    var legend = data.candidates.length <= 20;
    metrics.forEach(function (metric, i) {
      var div = document.createElement("div");
      div.id = "metric-chart-" + i;
      div.className = "chart metric-chart";
      div.dataset.metric = metric;
      box.appendChild(div);
      var downsampled = false;
      var points = byMetric[metric].reduce(function (n, s) { return n + s.x.length; }, 0);
      var type = points > 20000 ? "scattergl" : "scatter";  // SVG while it is small: no WebGL context per chart
      var traces = byMetric[metric].map(function (s) {
        downsampled = downsampled || s.downsampled;
        var name = esc(labels[s.candidate_id] || s.candidate_id);
        return { type: type, mode: s.x.length > 60 ? "lines" : "lines+markers", x: s.x, y: s.y, name: name,
                 connectgaps: false, hovertemplate: name + "<br>step %{x}: %{y}<extra></extra>" };
      });
      var rows = legend && traces.length > 1 ? Math.ceil(traces.length / 2) : 0;
      Plotly.react(div, traces, layout(metric + (downsampled ? "  (downsampled)" : ""), {
        showlegend: rows > 0, height: 320 + rows * 20,
        legend: { orientation: "h", x: 0, y: -0.16, yanchor: "top", font: { size: 11 } },
        xaxis: { title: { text: "step", standoff: 4 }, gridcolor: "#ececef", zeroline: false },
        margin: { l: 56, r: 16, t: 36, b: 48 + rows * 20 },
      }), CONFIG);
    });
    box.setAttribute("aria-busy", "false");
    box.dataset.loaded = "1";
  }
  if (box && window.Plotly) {
    fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(drawCurves)
      .catch(function () { note("The metric history could not be loaded."); box.setAttribute("aria-busy", "false"); });
  }

  // ---------------------------------------------------------------- scatter and parallel coordinates
  var points = json("compare-points");
  var sx = document.getElementById("scatter-x"), sy = document.getElementById("scatter-y");
  function value(c, key) {
    var kind = key.slice(0, 2), name = key.slice(2);
    var v = kind === "m:" ? c.metrics[name] : c.params[name];
    return v === undefined ? null : v;
  }
  function numeric(values) {
    return values.every(function (v) { return v === null || (v !== "" && isFinite(Number(v))); });
  }
  if (points && sx && sy && window.Plotly) {
    var keys = points.params.map(function (p) { return ["p:" + p, "param " + p]; })
      .concat(points.metrics.map(function (m) { return ["m:" + m, "metric " + m]; }));
    [sx, sy].forEach(function (sel) {
      keys.forEach(function (k) {
        var o = document.createElement("option");
        o.value = k[0];
        o.textContent = k[1];  // textContent: user text never parsed as HTML
        sel.appendChild(o);
      });
    });
    var firstMetric = "m:" + points.metrics[0];
    sx.value = points.params.length ? "p:" + points.params[0] : firstMetric;
    sy.value = points.metrics.length > 1 && sx.value === firstMetric ? "m:" + points.metrics[1] : firstMetric;
    var labels = points.candidates.map(function (c) { return esc(c.label); });
    var drawScatter = function () {
      var xs = points.candidates.map(function (c) { return value(c, sx.value); });
      var ys = points.candidates.map(function (c) { return value(c, sy.value); });
      Plotly.react("compare-scatter", [{
        type: "scatter", mode: "markers", x: xs, y: ys, text: labels, marker: { size: 9, color: "#1f75cb" },
        hovertemplate: "%{text}<br>%{x}, %{y}<extra></extra>",
      }], layout("", {
        xaxis: { title: { text: esc(sx.options[sx.selectedIndex].text) }, gridcolor: "#ececef",
                 type: numeric(xs) ? "-" : "category" },
        yaxis: { title: { text: esc(sy.options[sy.selectedIndex].text) }, gridcolor: "#ececef",
                 type: numeric(ys) ? "-" : "category" },
        margin: { l: 64, r: 16, t: 16, b: 56 },
      }), CONFIG);
    };
    sx.addEventListener("change", drawScatter);
    sy.addEventListener("change", drawScatter);
    drawScatter();

    var dims = [];
    keys.forEach(function (k) {
      var values = points.candidates.map(function (c) { return value(c, k[0]); });
      if (values.every(function (v) { return v === null; })) return;
      if (numeric(values)) {
        dims.push({ label: esc(k[1]), values: values.map(function (v) { return v === null ? NaN : Number(v); }) });
        return;
      }
      var cats = [];
      values.forEach(function (v) { v = v === null ? "—" : String(v); if (cats.indexOf(v) < 0) cats.push(v); });
      if (cats.length > 30) return;  // a free-text param is no axis
      dims.push({ label: esc(k[1]), tickvals: cats.map(function (_, i) { return i; }), ticktext: cats,  // parcoords ticks are plain text (no entity decoding)
                  values: values.map(function (v) { return cats.indexOf(v === null ? "—" : String(v)); }) });
    });
    // Parallel coordinates are WebGL: drawn when they scroll into view, so a machine without a GPU (software GL
    // takes seconds) never holds up the table, the curves or the sliders.
    var parallel = document.getElementById("compare-parallel");
    var drawParallel = function () {
      var last = dims[dims.length - 1].values;
      Plotly.react(parallel, [{
        type: "parcoords", dimensions: dims.slice(0, 24),
        line: { color: last, colorscale: "Viridis", showscale: true },
      }], layout("Parallel coordinates", { margin: { l: 64, r: 64, t: 64, b: 24 }, height: 380 }), CONFIG);
      parallel.dataset.loaded = "1";
    };
    if (dims.length > 1 && parallel) {
      if (!("IntersectionObserver" in window)) { drawParallel(); } else {
        var seen = new IntersectionObserver(function (entries) {
          if (entries.some(function (e) { return e.isIntersecting; })) { seen.disconnect(); drawParallel(); }
        });
        seen.observe(parallel);
      }
    }
  }

  // ---------------------------------------------------------------- image series: one step slider per key
  var steps = json("compare-image-steps") || {};
  Object.keys(steps).forEach(function (id) {
    var block = document.getElementById(id);
    if (!block) return;
    var slider = block.querySelector("input[type=range]");
    var output = block.querySelector("output");
    var figures = block.querySelectorAll("figure");
    var show = function () {
      var i = parseInt(slider.value, 10);
      output.textContent = steps[id].steps[i];
      var cells = steps[id].cells[i];
      Array.prototype.forEach.call(figures, function (fig, col) {
        var cell = cells[col];
        var img = fig.querySelector("img"), link = fig.querySelector("a");
        if (cell) { img.src = cell[1]; link.href = cell[0]; } else { link.removeAttribute("href"); }
        img.hidden = !cell;
        fig.querySelector(".image-missing").hidden = !!cell;
      });
    };
    slider.addEventListener("input", show);
  });
})();
