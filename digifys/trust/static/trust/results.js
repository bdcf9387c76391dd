// The trust survey's chart: one line per statement, months with too few answers left empty.
(function () {
  "use strict";
  var node = document.getElementById("trust-chart-data");
  var canvas = document.getElementById("trust-chart");
  if (!node || !canvas || !window.Chart) return;
  var data = JSON.parse(node.textContent);
  var language = document.documentElement.lang || "sv";
  var monthName = new Intl.DateTimeFormat(language, { month: "short", year: "2-digit" });
  var colours = ["#0b5394", "#b45f06", "#38761d", "#741b47", "#4a5560"];
  var dashes = [[], [6, 4], [2, 3], [10, 3, 2, 3], [1, 1]];
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels: data.months.map(function (month) { return monthName.format(new Date(month + "T12:00:00")); }),
      datasets: data.series.map(function (series, index) {
        return {
          label: series.label,
          data: series.values,
          borderColor: colours[index % colours.length],
          backgroundColor: colours[index % colours.length],
          borderDash: dashes[index % dashes.length],
          spanGaps: false,
          tension: 0,
        };
      }),
    },
    options: {
      maintainAspectRatio: false,
      animation: false,
      scales: { y: { min: 1, max: 5, ticks: { stepSize: 1 } } },
      plugins: { legend: { position: "bottom", labels: { boxWidth: 24 } } },
    },
  });
})();
