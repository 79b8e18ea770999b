// Bar charts of the disclosure page: one per dimension, data from the json_script "disclosure-charts".
document.addEventListener("DOMContentLoaded", function () {
  var source = document.getElementById("disclosure-charts");
  if (!source || typeof Chart === "undefined") { return; }
  var charts = JSON.parse(source.textContent);
  document.querySelectorAll("canvas[data-dimension]").forEach(function (canvas) {
    var data = charts[canvas.dataset.dimension];
    if (!data) { return; }
    new Chart(canvas, {
      type: "bar",
      data: { labels: data.labels, datasets: [{ label: canvas.dataset.label, data: data.counts }] },
      options: { indexAxis: "y", plugins: { legend: { display: false } }, scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  });
});
