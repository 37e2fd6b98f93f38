// Keeps a console page current from its live stream (/console/events/, live/stream.js): the page
// marks the part to refresh with data-live and the stream's address with data-live-events. When
// something changed, the part is reloaded — at most once a second however busy the hour, and
// never while the person is typing in it, so a reload never eats what they type. The queue
// reloads through htmx with its filters (data-live-trigger); other parts are fetched again and
// swapped in whole.
(function () {
  "use strict";
  var region = document.querySelector("[data-live]");
  if (!region || !window.EventSource || !window.huyingLive) {
    return;
  }
  var SPACING_MS = 1000;

  function busy() {
    var active = document.activeElement;
    if (active && region.contains(active) && /^(INPUT|TEXTAREA|SELECT)$/.test(active.tagName)) {
      return true;
    }
    return region.classList.contains("htmx-request") || region.querySelector(".htmx-request") !== null;
  }

  function swapFrom(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(region.id);
    if (fresh) {
      region.innerHTML = fresh.innerHTML;
    }
  }

  var reload = window.huyingLive.spaced(function () {
    if (busy()) {
      reload(); // try again in a moment, once the person stopped typing
      return;
    }
    var trigger = region.dataset.liveTrigger;
    if (trigger) {
      htmx.trigger(region, trigger);
      return;
    }
    fetch(window.location.href, { credentials: "same-origin" })
      .then(function (response) {
        return response.ok ? response.text().then(swapFrom) : null;
      })
      .catch(function () {});
  }, SPACING_MS);

  window.huyingLive.listen(region.dataset.liveEvents, region, function (change) {
    // The console's pages show help requests; a green-channel filing's step is the board's.
    if (change.stream !== "filing") {
      reload();
    }
  });
})();
