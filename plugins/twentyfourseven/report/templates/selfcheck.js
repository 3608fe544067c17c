// Runs last: counts each chart's data marks and checks that the browser laid it out, then
// marks the page ready (test_browser.py waits for data-dashboard="ready").
(function () {
  var root = document.documentElement;
  var charts = document.querySelectorAll("svg.chart");
  var drawn = 0;
  for (var i = 0; i < charts.length; i++) {
    var chart = charts[i];
    var marks = chart.querySelectorAll(".mark").length;
    var box = chart.getBoundingClientRect();
    var ok = marks > 0 && box.width > 0 && box.height > 0;
    chart.setAttribute("data-marks", String(marks));
    chart.setAttribute("data-drawn", ok ? "yes" : "no");
    if (ok) { drawn += 1; }
  }
  root.setAttribute("data-charts", String(charts.length));
  root.setAttribute("data-charts-drawn", String(drawn));
  root.setAttribute("data-errors", String(window.dashboardErrors.length));
  document.getElementById("selfcheck").textContent = window.dashboardErrors.join("\n");
  root.setAttribute("data-dashboard", "ready");
})();
