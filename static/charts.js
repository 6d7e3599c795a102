/* Metric charts (Plotly) for the Performance tab, the compare page and the candidate page.

   Pages with a `#metric-charts` element (data-url = a metric-history JSON endpoint, already downsampled on the
   server) get their charts drawn here, with the shared controls (x axis, smoothing, log scale, ignore outliers)
   kept in the URL fragment, one colour per candidate across every chart and a shared legend.

   Other pages reuse the helpers through window.AssayCharts:
     AssayCharts.colourFor(candidateId)          stable colour: palette index assigned in page order
     AssayCharts.assignColours([id, ...])        assign in this order first (call with the page's candidates)
     AssayCharts.readState() / writeState(state) the controls' state <-> location.hash (x, smooth, log, outliers)
     AssayCharts.controls(el, state, onChange)   build the controls into `el`; onChange(state) after each change
     AssayCharts.lineChart(el, series, options)  series: [{id, label, x, y, t, downsampled}] (label = raw text,
                                                 escaped here); options: {title, state}
     AssayCharts.barChart(el, items, options)    items: [{id, label, value}]: a value per candidate
     AssayCharts.drawHistories(box, data, state) the whole `metric-charts` grid from a data.json answer
     AssayCharts.legend(el, candidates)          the shared legend; hovering an entry highlights it everywhere
     AssayCharts.esc(text)                       user text -> text Plotly shows literally (it renders HTML-ish)
*/
(function () {
  "use strict";
  var CONFIG = { responsive: true, displaylogo: false, modeBarButtonsToRemove: ["lasso2d", "select2d"] };
  var FONT = { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12, color: "#333238" };
  var GRID = "#ececef";

  // Plotly renders a small HTML subset (tags only) in names, titles, tick labels and hover text: entities keep
  // user text literal. Quotes need none (Plotly builds SVG text nodes, not markup) and would show as "&quot;".
  // User text never goes into a hovertemplate itself (only through %{text} / %{fullData.name}), so a name
  // such as "%{y}" stays text.
  function esc(s) {
    return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  // ------------------------------------------------------------------ colours
  // Tableau 10, then Kelly's colours of maximum contrast (minus white/black/greys), then golden-angle hues at
  // alternating lightness: neighbours in page order stay far apart on the colour wheel.
  var PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#875692", "#f38400", "#a1caf1", "#be0032", "#c2b280", "#008856", "#e68fac", "#0067a5", "#f99379",
    "#604e97", "#f6a600", "#b3446c", "#dcd300", "#882d17", "#8db600", "#654522", "#e25822", "#2b3d26",
  ];
  var assigned = {}, nextIndex = 0;
  function paletteColour(i) {
    if (i < PALETTE.length) return PALETTE[i];
    var k = i - PALETTE.length;
    return "hsl(" + Math.round((k * 137.508) % 360) + "," + (k % 2 ? 55 : 70) + "%," + (k % 3 === 0 ? 38 : 50) + "%)";
  }
  function colourFor(id) {
    if (!(id in assigned)) assigned[id] = nextIndex++;
    return paletteColour(assigned[id]);
  }
  function assignColours(ids) { ids.forEach(colourFor); }

  // ------------------------------------------------------------------ state in the URL fragment
  var DEFAULTS = { x: "step", smooth: 0, log: false, outliers: false };
  var X_MODES = { step: "Step", wall: "Wall time", relative: "Relative time" };
  function readState() {
    var q = new URLSearchParams(location.hash.replace(/^#/, ""));
    var smooth = parseFloat(q.get("smooth"));
    return {
      x: X_MODES[q.get("x")] ? q.get("x") : DEFAULTS.x,
      smooth: isFinite(smooth) ? Math.min(0.99, Math.max(0, smooth)) : 0,
      log: q.get("log") === "1",
      outliers: q.get("outliers") === "1",
    };
  }
  function writeState(state) {
    var q = new URLSearchParams(location.hash.replace(/^#/, ""));
    ["x", "smooth", "log", "outliers"].forEach(function (k) { q.delete(k); });
    if (state.x !== DEFAULTS.x) q.set("x", state.x);
    if (state.smooth > 0) q.set("smooth", String(state.smooth));
    if (state.log) q.set("log", "1");
    if (state.outliers) q.set("outliers", "1");
    var text = q.toString();
    history.replaceState(history.state, "", location.pathname + location.search + (text ? "#" + text : ""));
  }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function controls(box, state, onChange) {
    box.textContent = "";
    var xSel = el("select", { id: "chart-x", "aria-label": "X axis" });
    Object.keys(X_MODES).forEach(function (k) {
      var o = el("option", { value: k }, X_MODES[k]);
      if (k === state.x) o.selected = true;
      xSel.appendChild(o);
    });
    var xLab = el("label", {}, "x axis "); xLab.appendChild(xSel);
    var smooth = el("input", { id: "chart-smooth", type: "range", min: "0", max: "0.99", step: "0.01",
                               value: String(state.smooth), "aria-label": "Smoothing" });
    var out = el("output", { id: "chart-smooth-value", for: "chart-smooth" }, state.smooth.toFixed(2));
    var sLab = el("label", { class: "smooth" }, "smoothing "); sLab.appendChild(smooth); sLab.appendChild(out);
    var log = el("input", { id: "chart-log", type: "checkbox" }); log.checked = state.log;
    var lLab = el("label"); lLab.appendChild(log); lLab.appendChild(document.createTextNode(" log scale"));
    var outl = el("input", { id: "chart-outliers", type: "checkbox" }); outl.checked = state.outliers;
    var oLab = el("label", { title: "Scale the y axis to the 2nd–98th percentile of the values" });
    oLab.appendChild(outl); oLab.appendChild(document.createTextNode(" ignore outliers"));
    [xLab, sLab, lLab, oLab].forEach(function (n) { box.appendChild(n); });
    function changed() {
      state.x = xSel.value;
      state.smooth = parseFloat(smooth.value) || 0;
      state.log = log.checked;
      state.outliers = outl.checked;
      out.textContent = state.smooth.toFixed(2);
      writeState(state);
      onChange(state);
    }
    xSel.addEventListener("change", changed);
    smooth.addEventListener("input", changed);
    log.addEventListener("change", changed);
    outl.addEventListener("change", changed);
    return box;
  }

  // ------------------------------------------------------------------ numbers
  // Exponential moving average, debiased as TensorBoard does (the first points are not pulled towards 0).
  function ema(ys, weight) {
    var out = [], last = 0, n = 0;
    for (var i = 0; i < ys.length; i++) {
      var y = ys[i];
      if (y === null || !isFinite(y)) { out.push(null); continue; }
      last = last * weight + (1 - weight) * y; n++;
      out.push(last / (1 - Math.pow(weight, n)));
    }
    return out;
  }
  function quantile(sorted, q) {
    var pos = (sorted.length - 1) * q, lo = Math.floor(pos), hi = Math.ceil(pos);
    return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
  }
  // The y range that leaves out the top and bottom 2% of the values (in log10 units on a log axis).
  function clipRange(values, log) {
    var v = [];
    values.forEach(function (y) {
      if (y === null || !isFinite(y) || (log && y <= 0)) return;
      v.push(log ? Math.log10(y) : y);
    });
    if (v.length < 5) return null;
    v.sort(function (a, b) { return a - b; });
    var lo = quantile(v, 0.02), hi = quantile(v, 0.98);
    if (!(hi > lo)) return null;
    var pad = (hi - lo) * 0.08;
    return [lo - pad, hi + pad];
  }
  function xValues(s, mode) {
    if (mode === "step" || !s.t || s.t.length !== s.x.length) return { x: s.x, title: "step" };
    if (mode === "wall") return { x: s.t, title: "wall time", date: true };
    var t0 = Math.min.apply(null, s.t);
    return { x: s.t.map(function (t) { return (t - t0) / 1000; }), title: "relative time (s)" };
  }

  function layout(title, extra) {
    var base = {
      title: { text: esc(title), font: { size: 14 }, x: 0, xanchor: "left" },
      font: FONT, margin: { l: 56, r: 16, t: 36, b: 44 }, height: 300, showlegend: false, hovermode: "closest",
      xaxis: { title: { text: "step", standoff: 4 }, gridcolor: GRID, zeroline: false },
      yaxis: { gridcolor: GRID, zeroline: false },
      paper_bgcolor: "#fff", plot_bgcolor: "#fff",
    };
    return Object.assign(base, extra || {});
  }

  // ------------------------------------------------------------------ highlight on hover
  var charts = [];  // every div drawn here, so one hover fades the other candidates on all of them
  function register(div) { if (charts.indexOf(div) < 0) charts.push(div); }
  function highlight(id) {
    charts.forEach(function (div) {
      if (!div.data || !div.isConnected) return;
      // One restyle per chart (arrays over its traces): a hundred traces fade together, not one by one.
      var opacity = [], width = [], barOpacity = [], lineIdx = [], barIdx = [];
      div.data.forEach(function (trace, i) {
        var meta = trace.meta || {};
        if (trace.type === "bar") {
          barIdx.push(i);
          barOpacity.push((trace.customdata || []).map(function (cid) { return id === null || cid === id ? 1 : 0.2; }));
          return;
        }
        var base = meta.raw ? 0.25 : 1;
        var on = id === null || meta.candidate_id === id;
        lineIdx.push(i);
        opacity.push(on ? base : base * 0.12);
        width.push(on && id !== null ? 3 : 1.6);
      });
      if (lineIdx.length) Plotly.restyle(div, { opacity: opacity, "line.width": width }, lineIdx);
      if (barIdx.length) Plotly.restyle(div, { "marker.opacity": barOpacity }, barIdx);
    });
    var legendBox = document.getElementById("chart-legend");
    if (legendBox) {
      legendBox.querySelectorAll("[data-candidate]").forEach(function (chip) {
        chip.classList.toggle("faded", id !== null && chip.dataset.candidate !== String(id));
      });
    }
  }
  var hoverTimer = null;
  function wireHover(div) {
    if (div.dataset.hoverWired) return;
    div.dataset.hoverWired = "1";
    div.on("plotly_hover", function (ev) {
      var p = ev.points && ev.points[0];
      if (!p) return;
      var id = p.data.type === "bar" ? p.customdata : (p.data.meta || {}).candidate_id;
      if (id === undefined) return;
      clearTimeout(hoverTimer);
      highlight(id);
    });
    div.on("plotly_unhover", function () {
      clearTimeout(hoverTimer);
      hoverTimer = setTimeout(function () { highlight(null); }, 60);
    });
  }

  // ------------------------------------------------------------------ charts
  function lineChart(div, series, options) {
    var state = options.state || DEFAULTS;
    var traces = [], allY = [], xTitle = "step", date = false, points = 0;
    series.forEach(function (s) { points += s.x.length; });
    // SVG up to a few tens of thousands of points (crisp, cheap to restyle); WebGL beyond.
    var type = points > 40000 ? "scattergl" : "scatter";
    series.forEach(function (s) {
      var xv = xValues(s, state.x);
      xTitle = xv.title; date = !!xv.date;
      var colour = colourFor(s.id), name = esc(s.label);
      var markers = s.x.length <= 60 ? "lines+markers" : "lines";
      var hover = "%{fullData.name}<br>" + xTitle + " %{x}<br>%{y:.6g}<extra></extra>";
      if (state.smooth > 0) {
        traces.push({ type: type, mode: "lines", x: xv.x, y: s.y, name: name, showlegend: false,
                      hoverinfo: "skip", opacity: 0.25, line: { color: colour, width: 1.6 }, connectgaps: false,
                      meta: { candidate_id: s.id, raw: true } });
        var sm = ema(s.y, state.smooth);
        traces.push({ type: type, mode: markers, x: xv.x, y: sm, name: name, hovertemplate: hover,
                      line: { color: colour, width: 1.6 }, marker: { color: colour, size: 5 }, connectgaps: true,
                      meta: { candidate_id: s.id, total: s.total, smoothed: true } });
        allY = allY.concat(sm);
      } else {
        traces.push({ type: type, mode: markers, x: xv.x, y: s.y, name: name, hovertemplate: hover,
                      line: { color: colour, width: 1.6 }, marker: { color: colour, size: 5 }, connectgaps: false,
                      meta: { candidate_id: s.id, total: s.total } });
        allY = allY.concat(s.y);
      }
    });
    var yaxis = { gridcolor: GRID, zeroline: false, type: state.log ? "log" : "linear" };
    if (state.outliers) {
      var range = clipRange(allY, state.log);
      if (range) { yaxis.range = range; yaxis.autorange = false; }
    }
    var xaxis = { title: { text: esc(xTitle), standoff: 4 }, gridcolor: GRID, zeroline: false,
                  type: date ? "date" : "linear" };
    var title = options.title + (options.downsampled ? "  (downsampled)" : "");
    var result = Plotly.react(div, traces, layout(title, { xaxis: xaxis, yaxis: yaxis }), CONFIG);
    div.dataset.kind = "line";
    register(div); wireHover(div);
    return result;
  }

  function formatValue(v) {
    return window.Assay && Assay.formatMetric ? Assay.formatMetric(v) : String(v);
  }
  function barChart(div, items, options) {
    var state = options.state || DEFAULTS;
    var labels = items.map(function (it) { return esc(it.label); });
    var values = items.map(function (it) { return it.value; });
    var trace = { type: "bar", x: labels, y: values, customdata: items.map(function (it) { return it.id; }),
                  text: values.map(function (v) { return v === null ? "" : formatValue(v); }),
                  textposition: items.length <= 12 ? "auto" : "none",
                  marker: { color: items.map(function (it) { return colourFor(it.id); }), opacity: 1 },
                  hovertemplate: "%{x}<br>%{y:.6g}<extra></extra>", meta: { single: true } };
    var yaxis = { gridcolor: GRID, zeroline: true, zerolinecolor: "#d4d4d8", type: state.log ? "log" : "linear" };
    var xaxis = { type: "category", automargin: true, showticklabels: items.length <= 24, tickangle: items.length > 6 ? -30 : 0 };
    var result = Plotly.react(div, [trace], layout(options.title + "  (one value per candidate)",
                                                   { xaxis: xaxis, yaxis: yaxis, bargap: 0.25 }), CONFIG);
    div.dataset.kind = "bar";
    register(div); wireHover(div);
    return result;
  }

  function candidateLabel(c) {
    return (c.name || String(c.id)) + (c.iid ? " #" + c.iid : "");
  }

  function legend(box, candidates) {
    box.textContent = "";
    if (candidates.length < 2) { box.hidden = true; return; }
    box.hidden = false;
    candidates.forEach(function (c) {
      var chip = el("span", { class: "legend-chip", "data-candidate": String(c.id), tabindex: "0" });
      var swatch = el("span", { class: "swatch" });
      swatch.style.backgroundColor = colourFor(c.id);
      chip.appendChild(swatch);
      chip.appendChild(document.createTextNode(candidateLabel(c)));
      chip.addEventListener("mouseenter", function () { clearTimeout(hoverTimer); highlight(c.id); });
      chip.addEventListener("focus", function () { highlight(c.id); });
      chip.addEventListener("mouseleave", function () { highlight(null); });
      chip.addEventListener("blur", function () { highlight(null); });
      box.appendChild(chip);
    });
  }

  function drawHistories(box, data, state) {
    var byId = {};
    data.candidates.forEach(function (c) { byId[c.id] = c; });
    assignColours(data.candidates.map(function (c) { return c.id; }));
    var byMetric = {};
    data.series.forEach(function (s) { (byMetric[s.metric] = byMetric[s.metric] || []).push(s); });
    var metrics = Object.keys(byMetric).sort();
    if (!metrics.length) {
      box.textContent = "";
      box.appendChild(el("p", { class: "muted" }, "No metric history."));
    }
    var seen = {};
    metrics.forEach(function (metric, i) {
      var id = "metric-chart-" + i;
      var div = document.getElementById(id);
      if (!div) {
        if (i === 0) box.textContent = "";
        div = el("div", { id: id, class: "chart metric-chart" });
        box.appendChild(div);
      }
      div.dataset.metric = metric;
      seen[id] = true;
      var list = byMetric[metric];
      var single = list.every(function (s) { return s.single; });
      var title = metric;
      if (single) {
        barChart(div, list.map(function (s) {
          var c = byId[s.candidate_id] || { id: s.candidate_id };
          return { id: s.candidate_id, label: candidateLabel(c), value: s.y.length ? s.y[s.y.length - 1] : null };
        }), { title: title, state: state });
      } else {
        lineChart(div, list.map(function (s) {
          var c = byId[s.candidate_id] || { id: s.candidate_id };
          return { id: s.candidate_id, label: candidateLabel(c), x: s.x, y: s.y, t: s.t, total: s.total };
        }), { title: title, state: state, downsampled: list.some(function (s) { return s.downsampled; }) });
      }
    });
    box.querySelectorAll(".metric-chart").forEach(function (div) {
      if (!seen[div.id]) { Plotly.purge(div); div.remove(); }
    });
    var legendBox = document.getElementById("chart-legend");
    if (legendBox) legend(legendBox, data.candidates);
    var note = document.getElementById("metric-charts-note");
    if (note) {
      note.hidden = !data.more;
      note.textContent = data.more ? "Showing the first " + data.cap + " candidates of this view; filter or select candidates to see others." : "";
    }
    box.setAttribute("aria-busy", "false");
    box.dataset.loaded = "1";
  }

  window.AssayCharts = {
    esc: esc, colourFor: colourFor, assignColours: assignColours, palette: PALETTE,
    readState: readState, writeState: writeState, controls: controls,
    lineChart: lineChart, barChart: barChart, legend: legend, drawHistories: drawHistories,
    highlight: highlight, ema: ema, clipRange: clipRange, layout: layout, config: CONFIG,
    candidateLabel: candidateLabel,
  };

  // ------------------------------------------------------------------ pages with #metric-charts
  var box = document.getElementById("metric-charts");
  if (!box || !window.Plotly) return;
  var state = readState();
  var last = null;
  var ctl = document.getElementById("chart-controls");
  if (!ctl) {
    ctl = el("div", { id: "chart-controls", class: "chart-controls" });
    box.parentNode.insertBefore(ctl, box);
  }
  if (!document.getElementById("chart-legend")) {
    box.parentNode.insertBefore(el("div", { id: "chart-legend", class: "chart-legend", hidden: "" }), box);
  }
  controls(ctl, state, function () { if (last) drawHistories(box, last, state); });
  window.addEventListener("hashchange", function () {
    var next = readState();
    Object.assign(state, next);
    controls(ctl, state, function () { if (last) drawHistories(box, last, state); });
    if (last) drawHistories(box, last, state);
  });

  function loadHistories() {
    return fetch(box.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (data) { last = data; drawHistories(box, data, state); return data; });
  }

  // Candidate page: live numbers in the metrics table while the candidate runs.
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
  }).catch(function () {
    box.textContent = "Could not load the charts.";
    box.setAttribute("aria-busy", "false");
  });
})();
