// The dashboard follows the board's stream of changes (live/stream.js) and refetches its numbers (an HTMX
// fragment) when something changed - at most once every two seconds, however busy the city is.
// Without JavaScript the page still shows the numbers as of its loading.
(function () {
  "use strict";
  var dashboard = document.getElementById("dashboard");
  if (!dashboard || !window.EventSource || !window.htmx || !window.huyingLive) {
    return;
  }
  var refresh = window.huyingLive.spaced(function () {
    window.htmx.trigger(dashboard, "dashboard-refresh");
  }, 2000);
  window.huyingLive.listen(dashboard.dataset.events, document.getElementById("dashboard-live"), refresh);
})();
