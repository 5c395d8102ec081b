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

  var NARROW = 560; // px: a phone held upright

  // Plotly writes the numbers of its axes itself, in ASCII digits: its locales cannot change the numerals. On a
  // Bengali page they are rewritten after every redraw (a zoom, a resize) in Bengali digits, as the server writes
  // every other number. Only the digits of the tick labels change; their text is the axis' own.
  var BENGALI_DIGITS = "০১২৩৪৫৬৭৮৯";
  var TICK_LABELS = ".xtick text, .ytick text, .cbaxis text";

  function inLocalDigits(box) {
    box.querySelectorAll(TICK_LABELS).forEach(function (label) {
      var walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
      for (var node = walker.nextNode(); node; node = walker.nextNode()) {
        var shown = node.nodeValue.replace(/[0-9]/g, function (digit) {
          return BENGALI_DIGITS.charAt(Number(digit));
        });
        if (shown !== node.nodeValue) {
          node.nodeValue = shown;
        }
      }
    });
  }

  function bengali() {
    return /^bn\b/.test(document.documentElement.lang || "");
  }

  // On a narrow screen a chart with long category labels (the forest plot's "action · segment") would give the
  // labels the whole width and the plot none: the labels break at their separator and get a smaller font.
  function fitted(figure, width) {
    var yaxis = figure.layout.yaxis || {};
    if (width >= NARROW || yaxis.type !== "category") {
      return figure;
    }
    var data = figure.data.map(function (trace) {
      var copy = Object.assign({}, trace);
      copy.y = (trace.y || []).map(function (label) {
        return String(label).split(" · ").join("<br>");
      });
      return copy;
    });
    var layout = Object.assign({}, figure.layout, {
      yaxis: Object.assign({}, yaxis, { tickfont: { size: 10 } }),
      margin: Object.assign({}, figure.layout.margin || {}, { l: 8, r: 8 }),
    });
    if (layout.xaxis && layout.xaxis.title) {
      layout.xaxis = Object.assign({}, layout.xaxis, {
        title: Object.assign({}, layout.xaxis.title, { font: { size: 11 } }),
      });
    }
    return { data: data, layout: layout };
  }

  function draw(root) {
    if (!window.Plotly || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("[data-chart]").forEach(function (box) {
      var source = document.getElementById(box.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var figure = fitted(JSON.parse(source.textContent), box.clientWidth);
      window.Plotly.react(box, figure.data, figure.layout, CONFIG).then(function () {
        if (bengali() && !box.hasAttribute("data-local-digits")) {
          box.setAttribute("data-local-digits", "true");
          box.on("plotly_afterplot", function () {
            inLocalDigits(box);
          });
          inLocalDigits(box);
        }
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
