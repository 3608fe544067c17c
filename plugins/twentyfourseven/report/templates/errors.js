// Runs first, before any other script: records every script error so the page (and its
// tests) can tell that something broke.
window.dashboardErrors = [];
window.addEventListener("error", function (event) {
  window.dashboardErrors.push(String(event.message || event.type));
});
window.addEventListener("unhandledrejection", function (event) {
  window.dashboardErrors.push("unhandled rejection: " + String(event.reason));
});
