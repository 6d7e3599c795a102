/* Plotly charts for the Performance tab, the compare page and the candidate page. Data comes from JSON
   endpoints (metric histories, already downsampled on the server) or from a json_script block. */
(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  var FONT = { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12, color: "#333238" };

  // Plotly renders a small HTML subset in names; entities keep user text literal.
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }
  function layout(title, extra) {
    var base = {
      title: { text: esc(title), font: { size: 14 }, x: 0, xanchor: "left" },
      font: FONT, margin: { l: 56, r: 16, t: 36, b: 40 }, height: 300,
      legend: { orientation: "h", x: 0, y: -0.16, yanchor: "top", font: { size: 11 } }, hovermode: "closest",
      xaxis: { title: { text: "step", standoff: 4 }, gridcolor: "#ececef", zeroline: false },
      yaxis: { gridcolor: "#ececef", zeroline: false },
      paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    };
    return Object.assign(base, extra || {});
  }

  // ---------------------------------------------------------------- metric histories
  var box = document.getElementById("metric-charts");
  function drawHistories(data) {
    var names = {};
    data.candidates.forEach(function (c) { names[c.id] = c.name + (c.iid ? " #" + c.iid : ""); });
    var byMetric = {};
    data.series.forEach(function (s) { (byMetric[s.metric] = byMetric[s.metric] || []).push(s); });
    var metrics = Object.keys(byMetric).sort();
    if (!metrics.length) { box.innerHTML = ""; var p = document.createElement("p"); p.className = "muted"; p.textContent = "No metric history."; box.appendChild(p); }
    metrics.forEach(function (metric, i) {
      var id = "metric-chart-" + i;
      var div = document.getElementById(id);
      if (!div) {
        if (i === 0) box.innerHTML = "";
        div = document.createElement("div");
        div.id = id; div.className = "chart metric-chart"; div.dataset.metric = metric;
        box.appendChild(div);
      }
      var downsampled = false;
      var traces = byMetric[metric].map(function (s) {
        downsampled = downsampled || s.downsampled;
        return { type: "scattergl", mode: s.x.length > 60 ? "lines" : "lines+markers", x: s.x, y: s.y,
                 name: esc(names[s.candidate_id] || s.candidate_id), connectgaps: false,
                 meta: { candidate_id: s.candidate_id, total: s.total } };
      });
      var title = metric + (downsampled ? "  (downsampled)" : "");
      // Room under the plot for a legend row per two candidates, so the legend never covers the axis.
      var rows = traces.length > 1 ? Math.ceil(traces.length / 2) : 0;
      Plotly.react(div, traces, layout(title, { showlegend: traces.length > 1, height: 300 + rows * 20,
                                                margin: { l: 56, r: 16, t: 36, b: 48 + rows * 20 } }), CONFIG);
    });
    box.setAttribute("aria-busy", "false");
    box.dataset.loaded = "1";
  }
  function loadHistories() {
    return fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) { drawHistories(data); return data; });
  }

  // ---------------------------------------------------------------- candidate page: live numbers
  function pollCandidate() {
    return fetch(box.dataset.liveUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (c) {
        var st = document.getElementById("candidate-status");
        if (st && c.status) { st.className = "badge " + c.status; st.textContent = c.status.toLowerCase(); }
        var f = document.querySelector('[data-field="status"]');
        if (f && c.status) f.textContent = c.status;
        Object.keys(c.metrics || {}).forEach(function (name) {
          var row = document.querySelector('#metrics tr[data-metric="' + CSS.escape(name) + '"]');
          if (!row) return;
          row.querySelector('[data-field="value"]').textContent = Assay.formatMetric(c.metrics[name].value);
          row.querySelector('[data-field="step"]').textContent = c.metrics[name].step;
        });
        return c.running;
      });
  }

  if (box && window.Plotly) {
    var pollMs = parseInt(box.dataset.pollMs || "5000", 10);
    loadHistories().then(function (data) {
      var live = box.dataset.liveUrl ? box.dataset.running === "1" : data.running;
      if (!live) return;
      var timer = setInterval(function () {
        var step = box.dataset.liveUrl ? pollCandidate() : Promise.resolve(true);
        step.then(function (stillRunning) {
          return loadHistories().then(function (d) {
            if (!stillRunning || !d.running) { clearInterval(timer); box.dataset.live = "stopped"; }
          });
        }).catch(function () { clearInterval(timer); });
      }, pollMs);
    }).catch(function () { box.textContent = "Could not load the charts."; });
  }

  // ---------------------------------------------------------------- scatter and parallel coordinates
  var pointsEl = document.getElementById("chart-points");
  if (!pointsEl || !window.Plotly) return;
  var points = JSON.parse(pointsEl.textContent);
  function values(key) {
    var kind = key.split(".")[0], name = key.slice(kind.length + 1);
    return points.candidates.map(function (c) {
      var v = (kind === "params" ? c.params : c.metrics)[name];
      return v === undefined ? null : v;
    });
  }
  function numeric(vals) {
    var present = vals.filter(function (v) { return v !== null && v !== ""; });
    return present.length > 0 && present.every(function (v) { return !isNaN(parseFloat(v)) && isFinite(v); });
  }
  var labels = points.candidates.map(function (c) { return esc(c.name); });

  var sx = document.getElementById("scatter-x"), sy = document.getElementById("scatter-y");
  function drawScatter() {
    if (!sx || !sy || !sx.value || !sy.value) return;
    var xs = values(sx.value), ys = values(sy.value);
    if (numeric(xs)) xs = xs.map(function (v) { return v === null ? null : parseFloat(v); });
    var trace = { type: "scatter", mode: "markers", x: xs, y: ys, text: labels,
                  customdata: points.candidates.map(function (c) { return c.id; }),
                  hovertemplate: "%{text}<br>x=%{x}<br>y=%{y}<extra></extra>",
                  marker: { size: 8, color: "#1f75cb", opacity: 0.75 } };
    var title = sx.options[sx.selectedIndex].text + " vs " + sy.options[sy.selectedIndex].text;
    Plotly.react("scatter", [trace], layout(title, {
      xaxis: { title: { text: esc(sx.options[sx.selectedIndex].text) }, gridcolor: "#ececef" },
      yaxis: { title: { text: esc(sy.options[sy.selectedIndex].text) }, gridcolor: "#ececef" },
      showlegend: false }), CONFIG);
  }

  var pm = document.getElementById("parcoords-metric");
  function drawParcoords() {
    if (!pm || !pm.value) return;
    var metricVals = values("metrics." + pm.value);
    var keep = metricVals.map(function (v) { return v !== null; });
    function kept(arr) { return arr.filter(function (_, i) { return keep[i]; }); }
    var dims = points.params.map(function (p) {
      var vals = kept(values("params." + p));
      if (numeric(vals)) return { label: esc(p), values: vals.map(function (v) { return v === null ? NaN : parseFloat(v); }) };
      var cats = Array.from(new Set(vals.map(function (v) { return v === null ? "—" : String(v); }))).sort();
      if (cats.length > 30) return null;
      return { label: esc(p), values: vals.map(function (v) { return cats.indexOf(v === null ? "—" : String(v)); }),
               tickvals: cats.map(function (_, i) { return i; }), ticktext: cats.map(esc) };
    }).filter(Boolean);
    var mv = kept(metricVals);
    dims.push({ label: esc(pm.value), values: mv });
    var trace = { type: "parcoords", dimensions: dims,
                  line: { color: mv, colorscale: "Viridis", showscale: true } };
    Plotly.react("parcoords", [trace], layout("", { margin: { l: 60, r: 60, t: 48, b: 24 } }), CONFIG);
  }
  if (sx) { sx.addEventListener("change", drawScatter); sy.addEventListener("change", drawScatter); drawScatter(); }
  if (pm) { pm.addEventListener("change", drawParcoords); drawParcoords(); }
})();
