// The MLflow client prints links into MLflow's own UI: <tracking URI>/#/experiments/<id>[/runs/<run id>]...
// The fragment never reaches the server, so this script (served from our origin; the page allows no inline
// script) turns it into the dashboard's resolver URL, which signs the user in and finds the experiment or
// candidate through the project they may see. Anything else goes to the project's experiments.
(function () {
  "use strict";
  var holder = document.getElementById("mlflow-link");
  if (!holder) return;
  var resolver = holder.getAttribute("data-resolver") || "/";
  // "#/experiments/12/runs/<32 hex>/artifacts/x?workspace=w": the ids only; what follows is not ours to read.
  var match = /^#\/experiments\/([0-9]{1,18})(?:\/runs\/([0-9a-fA-F]{32}))?(?:[/?].*)?$/.exec(
    window.location.hash || ""
  );
  var query = [];
  if (match) {
    query.push("experiment=" + match[1]);
    if (match[2]) query.push("run=" + match[2].toLowerCase());
  }
  var target = resolver + (query.length ? "?" + query.join("&") : "");
  var fallback = document.getElementById("mlflow-link-fallback");
  if (fallback) fallback.setAttribute("href", target);
  window.location.replace(target);
})();
