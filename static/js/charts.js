/* The analyst portal's charts: each element with data-chart names the <script type="application/json"> (Django's
   json_script) holding a plotly figure, drawn here with the plotly.js served from our static files. Runs on the first
   load and on every fragment htmx swaps in; a filter the server refuses (400) still swaps in its message. */
(function () {
  "use strict";

  var CONFIG = {
    responsive: true,
    displaylogo: false,
    modeBarButtonsToRemove: ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines"],
  };

  function draw(root) {
    if (!window.Plotly || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("[data-chart]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var figure = JSON.parse(source.textContent);
      window.Plotly.react(box, figure.data, figure.layout, CONFIG).then(function () {
        box.setAttribute("data-drawn", "true");
      });
    });
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && event.detail.target && event.detail.target.id === "report") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:load", function (event) {
    draw(event.target);
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      draw(document);
    });
  } else {
    draw(document);
  }
})();
