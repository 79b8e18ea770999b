// KPI trend chart of the dashboard; data comes from the json_script element "kpi-trend".
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("kpi-trend");
  var canvas = document.getElementById("kpi-trend-chart");
  if (!source || !canvas || typeof Chart === "undefined") { return; }
  var trend = JSON.parse(source.textContent);
  new Chart(canvas, {
    type: "line",
    data: {
      labels: trend.labels,
      datasets: [
        { label: canvas.dataset.labelTimeliness, data: trend.timeliness, spanGaps: true },
        { label: canvas.dataset.labelSatisfaction, data: trend.satisfaction, spanGaps: true }
      ]
    },
    options: { scales: { y: { suggestedMin: 0, suggestedMax: 100 } } }
  });
});

// The breakdowns (backlog by status, stage compliance, category, channel, dispute type, root
// cause) as horizontal bars; a click on a bar opens the drill-down of the cases it counts. The
// data (label, n, url per bar) comes from the json_script element "kpi-breakdowns".
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("kpi-breakdowns");
  if (!source || typeof Chart === "undefined") { return; }
  var data = JSON.parse(source.textContent);
  document.querySelectorAll("canvas[data-breakdown]").forEach(function (canvas) {
    var rows = data[canvas.dataset.breakdown] || [];
    canvas.parentElement.style.height = (rows.length * 28 + 24) + "px";
    var max = canvas.dataset.max ? Number(canvas.dataset.max) : undefined;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rows.map(function (r) { return r.label; }),
        datasets: [{ data: rows.map(function (r) { return r.n; }), backgroundColor: "rgba(13, 110, 253, 0.6)" }]
      },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, max: max, ticks: { precision: 0 } } },
        onHover: function (event, elements) {
          event.native.target.style.cursor = elements.length ? "pointer" : "default";
        },
        onClick: function (event, elements) {
          if (elements.length) { window.location.assign(rows[elements[0].index].url); }
        }
      }
    });
  });
});
