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
