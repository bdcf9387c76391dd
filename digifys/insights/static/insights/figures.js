/* The figures dashboard's charts (digifys/insights), drawn with the vendored Chart.js 4.5.1.
   Every chart's figures come from a json_script block; the tables beside the charts hold the
   same figures for screen readers and without JavaScript. All words come translated from the
   server (figure-chart-labels); numbers and months are formatted in the page's language. */
(function () {
  "use strict";
  var BEFORE = "#6b7480", AFTER = "#0b5394", ALL = "#1b1f24", TARGET = "#1e6b34";
  var TRUST = ["#0b5394", "#a4161a", "#1e6b34", "#8a5300", "#5c2d91"];

  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }
  function lang() { return document.documentElement.lang || "sv"; }
  function months(labels, week) {
    return labels.map(function (iso) {
      var day = new Date(iso + "T12:00:00");
      return week
        ? day.toLocaleDateString(lang(), { day: "numeric", month: "short" })
        : day.toLocaleDateString(lang(), { month: "short", year: "numeric" });
    });
  }

  // A dashed vertical line through each period in which a unit went live (Chart.js plugin API),
  // labelled where the label fits: right of the line, or left of it at the chart's right edge.
  // A label that would overlap one already drawn, or leave the chart area, is left out (the line
  // stays; the table of go-live dates below the chart lists every one). The boxes of the labels
  // drawn are kept on the chart as `$goLiveLabels` ({left, top, right, bottom}, canvas pixels).
  var LABEL_GAP = 4, LABEL_HEIGHT = 14, LABEL_SPACE = 8, LABEL_BACKGROUND = "#ffffff";
  function overlaps(a, b) {  // or closer side by side than LABEL_SPACE (they would read as one)
    return a.left - LABEL_SPACE < b.right && b.left - LABEL_SPACE < a.right && a.top < b.bottom && b.top < a.bottom;
  }
  var goLiveLines = {
    id: "goLiveLines",
    afterDatasetsDraw: function (chart, _args, options) {
      var marks = (options.marks || []).slice().sort(function (a, b) { return a - b; });
      var drawn = [];
      chart.$goLiveLabels = drawn;
      if (!marks.length) return;
      var ctx = chart.ctx, area = chart.chartArea, x = chart.scales.x;
      ctx.save();
      ctx.strokeStyle = ALL;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([3, 3]);
      ctx.fillStyle = ALL;
      ctx.font = "12px system-ui, sans-serif";
      ctx.textBaseline = "top";
      marks.forEach(function (index) {
        var at = x.getPixelForValue(index);
        ctx.beginPath();
        ctx.moveTo(at, area.top);
        ctx.lineTo(at, area.bottom);
        ctx.stroke();
      });
      // Labels after all the lines, each on the page's background, so that a later line
      // never crosses the text of an earlier label.
      marks.forEach(function (index) {
        if (!options.text) return;
        var at = x.getPixelForValue(index);
        var width = ctx.measureText(options.text).width;
        var left = at + LABEL_GAP + width <= area.right ? at + LABEL_GAP : at - LABEL_GAP - width;
        var box = { left: left, top: area.top + 2, right: left + width, bottom: area.top + 2 + LABEL_HEIGHT };
        var inside = box.left >= area.left && box.right <= area.right && box.bottom <= area.bottom;
        if (!inside || drawn.some(function (other) { return overlaps(box, other); })) return;
        ctx.fillStyle = LABEL_BACKGROUND;
        ctx.fillRect(box.left - 2, box.top - 1, width + 4, LABEL_HEIGHT + 2);
        ctx.fillStyle = ALL;
        ctx.fillText(options.text, box.left, box.top);
        drawn.push(box);
      });
      ctx.restore();
    },
  };

  function trend(canvas, data, words, small) {
    var percent = words.share ? " %" : "";
    var sets = [];
    if (data.split) {
      sets.push({ label: words.before, data: data.before, borderColor: BEFORE, backgroundColor: BEFORE, borderDash: [6, 4], pointStyle: "rect" });
      sets.push({ label: words.after, data: data.after, borderColor: AFTER, backgroundColor: AFTER, pointStyle: "circle" });
    } else {
      sets.push({ label: words.all, data: data.all, borderColor: ALL, backgroundColor: ALL });
    }
    if (data.target !== null) {
      sets.push({
        label: words.target, data: data.labels.map(function () { return data.target; }),
        borderColor: TARGET, backgroundColor: TARGET, borderDash: [2, 4], pointRadius: 0, borderWidth: 2,
      });
    }
    sets.forEach(function (set) {
      set.type = "line";
      if (set.borderWidth === undefined) set.borderWidth = small ? 2 : 3;
      if (set.pointRadius === undefined) set.pointRadius = small ? 2 : 3;
      set.spanGaps = false;
    });
    var format = new Intl.NumberFormat(lang(), { maximumFractionDigits: 2 });
    return new window.Chart(canvas, {
      type: "line",
      data: { labels: months(data.labels, data.week), datasets: sets },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        locale: lang(),
        scales: {
          y: {
            min: data.scale.min,
            max: data.scale.max,
            ticks: { callback: function (value) { return format.format(value) + percent; }, maxTicksLimit: small ? 4 : 8 },
          },
          x: { ticks: { maxTicksLimit: small ? 4 : 12, maxRotation: 0 } },
        },
        plugins: {
          legend: { display: !small, position: "bottom" },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + format.format(item.parsed.y) + percent; },
            },
          },
          goLiveLines: { marks: data.goLive, text: small ? "" : words.goLive },
        },
      },
      plugins: [goLiveLines],
    });
  }

  function trust(canvas, data) {
    var format = new Intl.NumberFormat(lang(), { maximumFractionDigits: 1 });
    return new window.Chart(canvas, {
      type: "line",
      data: {
        labels: months(data.labels, false),
        datasets: data.series.map(function (series, index) {
          var colour = TRUST[index % TRUST.length];
          return { label: series.label, data: series.values, borderColor: colour, backgroundColor: colour, borderWidth: 2, pointRadius: 3, spanGaps: false };
        }),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        locale: lang(),
        scales: { y: { min: 1, max: 5, ticks: { stepSize: 1 } }, x: { ticks: { maxRotation: 0 } } },
        plugins: {
          legend: { position: "bottom" },
          tooltip: { callbacks: { label: function (item) { return item.dataset.label + " " + format.format(item.parsed.y); } } },
        },
      },
    });
  }

  function start() {
    var words = json("figure-chart-labels");
    if (!words || !window.Chart) return;
    document.querySelectorAll("canvas[data-figure-chart]").forEach(function (canvas) {
      var data = json(canvas.getAttribute("data-figure-chart"));
      if (data) trend(canvas, data, words, canvas.parentNode.classList.contains("figure-chart-small"));
    });
    document.querySelectorAll("canvas[data-trust-chart]").forEach(function (canvas) {
      var data = json(canvas.getAttribute("data-trust-chart"));
      if (data) trust(canvas, data);
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
