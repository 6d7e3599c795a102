/* Candidate page: the step slider of each image series (data from the json_script block "image-series-data"). */
(function () {
  "use strict";
  var data = document.getElementById("image-series-data");
  if (!data) return;
  var series = JSON.parse(data.textContent);
  document.querySelectorAll("#image-series .image-series").forEach(function (figure) {
    var one = series[parseInt(figure.dataset.series, 10)];
    var slider = figure.querySelector(".series-slider");
    if (!one || !slider) return;
    var img = figure.querySelector(".series-image"), link = figure.querySelector(".series-link");
    var label = figure.querySelector(".series-step");
    slider.addEventListener("input", function () {
      var item = one.steps[parseInt(slider.value, 10)];
      if (!item) return;
      img.src = item.thumb;
      img.alt = one.key + " at step " + item.step;
      link.href = item.src;
      label.textContent = item.step;
      figure.dataset.step = item.step;
    });
  });
})();
