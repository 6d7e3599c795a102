/* Performance tab: the best-values table and the param charts (scatter, parallel coordinates, contour), loaded
   after the page from summary.json and points.json. Needs charts.js (window.AssayCharts) loaded first.
   Every name is user text: it goes into the DOM as textContent and into Plotly through AssayCharts.esc. */
(function () {
  "use strict";
  var AC = window.AssayCharts;
  if (!AC || !window.Plotly) return;
  var esc = AC.esc;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.json().then(function (body) { return r.ok ? body : Promise.reject(body.error || r.status); });
      });
  }
  function node(tag, attrs, text) {
    var n = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { n.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }
  function fmt(v) { return v === null || v === undefined ? "" : Assay.formatMetric(v); }
  function settle(box, message) {
    box.setAttribute("aria-busy", "false");
    box.dataset.loaded = "1";
    if (message) {
      box.textContent = "";
      box.appendChild(node("p", { class: "muted empty-state" }, message));
    }
  }

  // ------------------------------------------------------------------ best values
  var summaryBox = document.getElementById("summary-box");
  if (summaryBox) {
    getJSON(summaryBox.dataset.url).then(function (data) {
      if (!data.metrics.length) return settle(summaryBox, "No metric values in this view.");
      var table = node("table", { class: "data compact", id: "summary" });
      var head = node("tr");
      ["Metric", "Candidates", "Min", "held by", "Max", "held by"].forEach(function (h, i) {
        head.appendChild(node("th", i === 1 || i === 2 || i === 4 ? { class: "num" } : {}, h));
      });
      table.appendChild(node("thead")).appendChild(head);
      var body = table.appendChild(node("tbody"));
      data.metrics.forEach(function (s) {
        var tr = node("tr", { "data-metric": s.name });
        tr.appendChild(node("td", { class: "strong" }, s.name));
        tr.appendChild(node("td", { class: "num" }, String(s.count)));
        [["min", s.min, s.min_candidate], ["max", s.max, s.max_candidate]].forEach(function (e) {
          tr.appendChild(node("td", { class: "num" }, fmt(e[1])));
          var td = node("td");
          if (e[2]) td.appendChild(node("a", { href: data.candidate_url + e[2].id + "/" }, e[2].name));
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
      summaryBox.textContent = "";
      summaryBox.appendChild(table);
      settle(summaryBox);
    }).catch(function (e) { settle(summaryBox, typeof e === "string" ? e : "Could not load the best values."); });
  }

  // ------------------------------------------------------------------ param charts
  var pointsBox = document.getElementById("points-box");
  if (!pointsBox) return;
  var points = null;
  var stateEl = document.getElementById("points-state");

  function values(key, list) {
    var kind = key.split(".")[0], name = key.slice(kind.length + 1);
    return (list || points.candidates).map(function (c) {
      var v = (kind === "params" ? c.params : c.metrics)[name];
      return v === undefined ? null : v;
    });
  }
  function numeric(vals) {
    var present = vals.filter(function (v) { return v !== null && v !== ""; });
    return present.length > 0 && present.every(function (v) { return !isNaN(parseFloat(v)) && isFinite(v); });
  }
  function distinct(vals) {
    var set = {};
    vals.forEach(function (v) { set[v === null ? "\u0000" : String(v)] = 1; });
    return Object.keys(set).length;
  }
  function labels(list) { return list.map(function (c) { return esc(AC.candidateLabel(c)); }); }
  function optionText(sel) { return sel.options[sel.selectedIndex] ? sel.options[sel.selectedIndex].text : ""; }
  // Categorical values on an axis: their index, with the (escaped) values as tick labels.
  function axisOf(vals) {
    if (numeric(vals)) return { values: vals.map(function (v) { return v === null ? null : parseFloat(v); }) };
    var cats = Array.from(new Set(vals.filter(function (v) { return v !== null; }).map(String))).sort();
    return { values: vals.map(function (v) { return v === null ? null : cats.indexOf(String(v)); }),
             tickvals: cats.map(function (_, i) { return i; }), ticktext: cats.map(function (c) { return esc(c); }) };
  }
  function emptyChart(id, message) {
    var div = document.getElementById(id);
    if (div.data) Plotly.purge(div);
    div.textContent = "";
    div.appendChild(node("p", { class: "muted empty-state" }, message));
  }

  var sx = document.getElementById("scatter-x"), sy = document.getElementById("scatter-y");
  function drawScatter() {
    if (!sx.value || !sy.value) return emptyChart("scatter", "No params or metrics to plot.");
    var xs = axisOf(values(sx.value)), ys = values(sy.value);
    var trace = { type: "scatter", mode: "markers", x: xs.values, y: ys, text: labels(points.candidates),
                  customdata: points.candidates.map(function (c) { return c.id; }),
                  hovertemplate: "%{text}<br>x=%{x}<br>y=%{y:.6g}<extra></extra>",
                  marker: { size: 9, opacity: 0.85, color: points.candidates.map(function (c) { return AC.colourFor(c.id); }) } };
    var xaxis = { title: { text: esc(optionText(sx)) }, gridcolor: "#ececef" };
    if (xs.tickvals) { xaxis.tickvals = xs.tickvals; xaxis.ticktext = xs.ticktext; }
    Plotly.react("scatter", [trace], AC.layout(optionText(sx) + " vs " + optionText(sy), {
      xaxis: xaxis, yaxis: { title: { text: esc(optionText(sy)) }, gridcolor: "#ececef" } }), AC.config);
  }

  var pm = document.getElementById("parcoords-metric");
  var LABEL_MAX = 14;
  function short(text) { return text.length > LABEL_MAX ? text.slice(0, LABEL_MAX - 1) + "…" : text; }
  function drawParcoords() {
    if (!pm.value) return;
    var metricVals = values("metrics." + pm.value);
    var kept = points.candidates.filter(function (_, i) { return metricVals[i] !== null; });
    var full = [];
    var dims = points.params.map(function (p) {
      var vals = values("params." + p, kept);
      if (distinct(vals) <= 1) return null;  // a constant param says nothing about the metric
      var ax = axisOf(vals);
      if (ax.tickvals && ax.tickvals.length > 30) return null;
      full.push(p);
      var dim = { label: esc(short(p)), values: ax.values.map(function (v) { return v === null ? NaN : v; }) };
      if (ax.tickvals) { dim.tickvals = ax.tickvals; dim.ticktext = ax.ticktext.map(function (t) { return esc(short(t)); }); }
      return dim;
    }).filter(Boolean);
    if (!kept.length) return emptyChart("parcoords", "No candidate of this view has " + pm.value + ".");
    var mv = values("metrics." + pm.value, kept);
    full.push(pm.value);
    dims.push({ label: esc(short(pm.value)), values: mv });
    var trace = { type: "parcoords", dimensions: dims, labelangle: dims.length > 5 ? -20 : 0, labelside: "top",
                  line: { color: mv, colorscale: "Viridis", showscale: true } };
    var div = document.getElementById("parcoords");
    if (!div.data) div.textContent = "";
    Plotly.react(div, [trace], AC.layout("", { margin: { l: 60, r: 60, t: 64, b: 24 } }), AC.config).then(function () {
      // The full name on hover over a shortened axis label (a <title> is plain text: no escaping needed).
      div.querySelectorAll(".axis-title").forEach(function (t, i) {
        if (full[i] === undefined) return;
        var title = t.querySelector("title") || t.appendChild(document.createElementNS("http://www.w3.org/2000/svg", "title"));
        title.textContent = full[i];
        t.setAttribute("data-full", full[i]);
      });
    });
  }

  // The contour's grid, built here rather than by Plotly from scattered points: the mean metric per (x, y) cell,
  // each axis cut into at most GRID_MAX bins, empty cells left for Plotly to fill (connectgaps).
  var GRID_MAX = 40;
  function levels(vals) {
    var u = Array.from(new Set(vals)).sort(function (a, b) { return a - b; });
    if (u.length <= GRID_MAX) return { centres: u, index: function (v) { return u.indexOf(v); } };
    var lo = u[0], hi = u[u.length - 1], w = (hi - lo) / GRID_MAX, centres = [];
    for (var i = 0; i < GRID_MAX; i++) centres.push(lo + w * (i + 0.5));
    return { centres: centres, index: function (v) { return Math.min(GRID_MAX - 1, Math.floor((v - lo) / w)); } };
  }
  function gridOf(xs, ys, zs) {
    var lx = levels(xs), ly = levels(ys);
    var sum = ly.centres.map(function () { return lx.centres.map(function () { return 0; }); });
    var n = ly.centres.map(function () { return lx.centres.map(function () { return 0; }); });
    xs.forEach(function (x, i) {
      if (x === null || ys[i] === null || zs[i] === null) return;
      var c = lx.index(x), r = ly.index(ys[i]);
      sum[r][c] += zs[i]; n[r][c] += 1;
    });
    var z = sum.map(function (row, r) { return row.map(function (v, c) { return n[r][c] ? v / n[r][c] : null; }); });
    return { x: lx.centres, y: ly.centres, z: z };
  }

  var cx = document.getElementById("contour-x"), cy = document.getElementById("contour-y"),
      cz = document.getElementById("contour-z");
  function drawContour() {
    if (!cx.value || !cy.value || !cz.value || cx.value === cy.value) {
      return emptyChart("contour", "Pick two different params and a metric.");
    }
    var z = values("metrics." + cz.value);
    var list = points.candidates.filter(function (c, i) {
      return z[i] !== null && c.params[cx.value] !== undefined && c.params[cy.value] !== undefined;
    });
    var xv = values("params." + cx.value, list), yv = values("params." + cy.value, list);
    if (list.length < 3 || distinct(xv) < 2 || distinct(yv) < 2) {
      return emptyChart("contour", "Not enough distinct values of these two params in this view for a contour.");
    }
    var xa = axisOf(xv), ya = axisOf(yv), zv = values("metrics." + cz.value, list);
    var grid = gridOf(xa.values, ya.values, zv);
    var div = document.getElementById("contour");
    if (!div.data) div.textContent = "";
    var contour = { type: "contour", x: grid.x, y: grid.y, z: grid.z, connectgaps: true, colorscale: "Viridis",
                    contours: { coloring: "heatmap" }, colorbar: { title: { text: esc(short(cz.value)) } },
                    hovertemplate: "x=%{x}<br>y=%{y}<br>%{z:.6g}<extra></extra>" };
    var dots = { type: "scatter", mode: "markers", x: xa.values, y: ya.values, text: labels(list),
                 hovertemplate: "%{text}<br>x=%{x}<br>y=%{y}<extra></extra>",
                 marker: { size: 7, color: "#fff", line: { color: "#333238", width: 1 } } };
    var xaxis = { title: { text: esc(cx.value) } }, yaxis = { title: { text: esc(cy.value) } };
    if (xa.tickvals) { xaxis.tickvals = xa.tickvals; xaxis.ticktext = xa.ticktext; }
    if (ya.tickvals) { yaxis.tickvals = ya.tickvals; yaxis.ticktext = ya.ticktext; }
    Plotly.react(div, [contour, dots], AC.layout(cz.value + " over " + cx.value + " × " + cy.value,
                                                 { xaxis: xaxis, yaxis: yaxis, height: 380 }), AC.config);
  }

  getJSON(pointsBox.dataset.url).then(function (data) {
    points = data;
    AC.assignColours(data.candidates.map(function (c) { return c.id; }));
    pointsBox.setAttribute("aria-busy", "false");
    pointsBox.dataset.loaded = "1";
    if (!data.candidates.length) {
      stateEl.textContent = "No candidates in this view.";
      stateEl.classList.remove("loading");
      pointsBox.querySelectorAll("section").forEach(function (s) { s.hidden = true; });
      return;
    }
    stateEl.hidden = true;
    sx.addEventListener("change", drawScatter); sy.addEventListener("change", drawScatter); drawScatter();
    pm.addEventListener("change", drawParcoords); drawParcoords();
    [cx, cy, cz].forEach(function (s) { s.addEventListener("change", drawContour); }); drawContour();
  }).catch(function (e) {
    stateEl.textContent = typeof e === "string" ? e : "Could not load the param charts.";
    stateEl.classList.remove("loading");
    pointsBox.setAttribute("aria-busy", "false");
    pointsBox.dataset.loaded = "1";
  });
})();
