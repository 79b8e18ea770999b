// The monthly reports' charts per department: the rates of this month beside last month's, and
// the top root causes. The data comes from the json_script element "monthly-charts", the same
// figures the report's PDF draws.
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("monthly-charts");
  var cards = document.getElementById("monthly-charts-cards");
  if (!source || !cards || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  var style = cards.dataset;
  document.querySelectorAll("canvas[data-monthly-rates]").forEach(function (canvas) {
    var rates = charts[Number(canvas.dataset.monthlyRates)].rates;
    new Chart(canvas, {
      type: "bar",
      data: {
        labels: rates.labels,
        datasets: [
          { label: style.labelThis, data: rates["this"], backgroundColor: style.colourThis },
          { label: style.labelLast, data: rates.last, backgroundColor: style.colourLast }
        ]
      },
      options: { scales: { y: { beginAtZero: true, max: 100 } } }
    });
  });
  document.querySelectorAll("canvas[data-monthly-causes]").forEach(function (canvas) {
    var causes = charts[Number(canvas.dataset.monthlyCauses)].causes;
    canvas.parentElement.style.height = (causes.n.length * 28 + 24) + "px";
    new Chart(canvas, {
      type: "bar",
      data: { labels: causes.labels, datasets: [{ data: causes.n, backgroundColor: style.colourThis }] },
      options: {
        indexAxis: "y",
        maintainAspectRatio: false,
        plugins: { legend: { display: false } },
        scales: { x: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  });
});
