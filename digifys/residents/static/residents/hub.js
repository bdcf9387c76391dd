/* The resident hub's vital-signs chart (issue 12 §1), drawn with the vendored Chart.js.
 *
 * The data come from json_script elements (the strict CSP allows no inline script); the same
 * points are listed in the table behind the chart. Colours follow the NEWS2 bands and are told
 * apart by shape too (circle, triangle, square, diamond), so they do not depend on colour vision.
 */
(function () {
  "use strict";

  function readJSON(id) {
    var element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  // Okabe–Ito based: distinguishable with the common colour-vision deficiencies.
  var LEVELS = [
    { colour: "#1b7f5a", shape: "circle" }, // 0 / low
    { colour: "#b07800", shape: "triangle" }, // 1 / low-medium
    { colour: "#d55e00", shape: "rect" }, // 2 / medium
    { colour: "#a4161a", shape: "rectRot" }, // 3 / high
  ];
  var BAND_LEVEL = { low: 0, "low-medium": 1, medium: 2, high: 3 };
  var SUBSCORE_KEY = {
    rr: "respiratory_rate",
    spo2: "spo2",
    sbp: "systolic_bp",
    pulse: "pulse",
    temp: "temperature",
  };
  // Background zones of the NEWS2 chart: low 0–4, medium 5–6, high 7+.
  var ZONES = [
    { from: -0.5, to: 4.5, colour: "rgba(27, 127, 90, 0.10)" },
    { from: 4.5, to: 6.5, colour: "rgba(213, 94, 0, 0.14)" },
    { from: 6.5, to: 30, colour: "rgba(164, 22, 26, 0.14)" },
  ];

  var zonePlugin = {
    id: "digifysNews2Zones",
    beforeDatasetsDraw: function (chart, args, options) {
      if (!options || !options.enabled) return;
      var area = chart.chartArea;
      var y = chart.scales.y;
      var context = chart.ctx;
      context.save();
      ZONES.forEach(function (zone) {
        var top = y.getPixelForValue(Math.min(zone.to, y.max));
        var bottom = y.getPixelForValue(Math.max(zone.from, y.min));
        if (bottom <= top) return;
        context.fillStyle = zone.colour;
        context.fillRect(area.left, Math.max(top, area.top), area.right - area.left,
          Math.min(bottom, area.bottom) - Math.max(top, area.top));
      });
      context.restore();
    },
  };

  function levelOf(point, series) {
    if (series === "news2") {
      return point.band in BAND_LEVEL ? BAND_LEVEL[point.band] : 0;
    }
    var score = point.sub ? point.sub[SUBSCORE_KEY[series]] : undefined;
    return typeof score === "number" ? Math.max(0, Math.min(3, score)) : 0;
  }

  // Ticks on whole local hours (every 6 h over 24 h) or local midnights (daily over 7 days,
  // every 5 days over 30 days), so a label never names a time it does not stand at.
  function alignedTicks(min, max, range) {
    var ticks = [];
    var at = new Date(min);
    if (range === "24h") {
      at.setMinutes(0, 0, 0);
      at.setHours(at.getHours() - (at.getHours() % 6) + 6);
    } else {
      at.setHours(24, 0, 0, 0);
    }
    while (at.getTime() <= max && ticks.length < 40) {
      ticks.push({ value: at.getTime() });
      if (range === "24h") at.setHours(at.getHours() + 6);
      else at.setDate(at.getDate() + (range === "30d" ? 5 : 1));
    }
    return ticks;
  }

  function draw(canvas, series, data, labels, language) {
    var dateFormat = new Intl.DateTimeFormat(language, {
      day: "numeric",
      month: "short",
      hour: "2-digit",
      minute: "2-digit",
    });
    var tickFormat = new Intl.DateTimeFormat(
      language,
      data.range === "24h" ? { hour: "2-digit", minute: "2-digit" } : { day: "numeric", month: "short" }
    );
    var points = data.points.filter(function (point) {
      return point[series] !== null && point[series] !== undefined;
    });
    var values = points.map(function (point) {
      return { x: Date.parse(point.t), y: point[series], point: point };
    });
    var levels = points.map(function (point) {
      return LEVELS[levelOf(point, series)];
    });
    var isNews2 = series === "news2";
    return new window.Chart(canvas, {
      type: "line",
      data: {
        datasets: [
          {
            label: labels[series],
            data: values,
            borderColor: isNews2 ? "#0b5394" : "#4a5560",
            borderWidth: isNews2 ? 3 : 2,
            pointBackgroundColor: levels.map(function (level) { return level.colour; }),
            pointBorderColor: levels.map(function (level) { return level.colour; }),
            pointStyle: levels.map(function (level) { return level.shape; }),
            pointRadius: values.length > 60 ? 3 : 5,
            pointHoverRadius: 7,
            tension: 0,
            spanGaps: true,
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: false,
        normalized: true,
        interaction: { mode: "nearest", intersect: false },
        scales: {
          x: {
            type: "linear",
            min: Date.parse(data.start),
            max: Date.parse(data.end),
            afterBuildTicks: function (axis) {
              axis.ticks = alignedTicks(axis.min, axis.max, data.range);
            },
            ticks: {
              autoSkip: true,
              maxRotation: 0,
              callback: function (value) { return tickFormat.format(new Date(value)); },
            },
          },
          y: isNews2 ? { min: 0, suggestedMax: 8, ticks: { stepSize: 1 } } : { grace: "10%" },
        },
        plugins: {
          legend: { display: false },
          title: { display: true, text: labels[series], align: "start", color: "#1b1f24" },
          digifysNews2Zones: { enabled: isNews2 },
          tooltip: {
            callbacks: {
              title: function (items) {
                return items.length ? dateFormat.format(new Date(items[0].parsed.x)) : "";
              },
              label: function (item) {
                var point = item.raw.point;
                var text = labels[series] + ": " + item.formattedValue;
                if (isNews2 && point.band) text += " – " + labels.bands[point.band];
                if (!isNews2 && point.sub && SUBSCORE_KEY[series] in point.sub) {
                  text += " (" + labels.subscore + " " + point.sub[SUBSCORE_KEY[series]] + ")";
                }
                if (series === "spo2") text += ", " + labels.scale + " " + point.scale;
                return text;
              },
            },
          },
        },
      },
      plugins: [zonePlugin],
    });
  }

  function start() {
    var root = document.querySelector("[data-chart-root]");
    if (!root || !window.Chart) return;
    var data = readJSON("hub-chart-data");
    var labels = readJSON("hub-chart-labels");
    if (!data || !labels) return;
    var language = document.documentElement.lang || "sv";
    root.querySelectorAll("canvas[data-series]").forEach(function (canvas) {
      draw(canvas, canvas.getAttribute("data-series"), data, labels, language);
    });
    root.setAttribute("data-chart-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
