/* The capacity forecast's chart (digifys/workforce), drawn with the vendored Chart.js 4.5.1.
   The table beside it holds the same figures for screen readers and without JavaScript. */
(function () {
  "use strict";
  function start() {
    var labels = document.getElementById("capacity-labels");
    if (!labels || !window.Chart) return;
    labels = JSON.parse(labels.textContent);
    // One chart per profession: each canvas names the JSON block that holds its figures.
    document.querySelectorAll("canvas[data-capacity-data]").forEach(function (canvas) {
      var data = document.getElementById(canvas.getAttribute("data-capacity-data"));
      if (data) draw(canvas, JSON.parse(data.textContent), labels);
    });
  }
  function draw(canvas, data, labels) {
    var lang = document.documentElement.lang || "sv";
    var months = data.labels.map(function (iso) {
      return new Date(iso + "T12:00:00").toLocaleDateString(lang, { month: "short", year: "numeric" });
    });
    new window.Chart(canvas, {
      data: {
        labels: months,
        datasets: [
          { type: "bar", label: labels.shortfall, data: data.shortfall, backgroundColor: "#a4161a", order: 3 },
          { type: "line", label: labels.need, data: data.need, borderColor: "#1b1f24", backgroundColor: "#1b1f24", borderWidth: 3, pointStyle: "rect", order: 1 },
          { type: "line", label: labels.available, data: data.available, borderColor: "#0b5394", backgroundColor: "#0b5394", borderWidth: 3, borderDash: [6, 4], order: 2 },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: { y: { beginAtZero: true } },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
