// The dashboard follows the board's stream of changes and refetches its numbers (an HTMX
// fragment) when something changed - at most once every two seconds, however busy the city is.
// Without JavaScript the page still shows the numbers as of its loading.
(function () {
  "use strict";
  var dashboard = document.getElementById("dashboard");
  if (!dashboard || !window.EventSource || !window.htmx) {
    return;
  }
  var live = document.getElementById("dashboard-live");
  var GAP_MS = 2000;
  var last = 0;
  var timer = null;

  function refresh() {
    timer = null;
    last = Date.now();
    window.htmx.trigger(dashboard, "dashboard-refresh");
  }

  function changed() {
    if (timer !== null) {
      return;
    }
    var wait = Math.max(0, last + GAP_MS - Date.now());
    timer = window.setTimeout(refresh, wait);
  }

  var source = new EventSource(dashboard.dataset.events);
  source.addEventListener("open", function () {
    live.dataset.state = "open";
  });
  source.addEventListener("error", function () {
    live.dataset.state = "reconnecting";
  });
  source.addEventListener("change", changed);
})();
