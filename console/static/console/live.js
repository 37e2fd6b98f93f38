// Keeps a console page current from its live stream (/console/events/, Server-Sent Events):
// the page marks the part to refresh with data-live and the stream's address with
// data-live-events. When something changed, the part is reloaded — at most once a second
// however busy the hour, and never while the person is typing in it, so a reload never eats
// what they type. The queue reloads through htmx with its filters (data-live-trigger); other
// parts are fetched again and swapped in whole.
(function () {
  "use strict";
  var region = document.querySelector("[data-live]");
  if (!region || !window.EventSource) {
    return;
  }
  var SPACING_MS = 1000;
  var lastRefresh = 0;
  var timer = null;
  var pending = false;

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

  function refresh() {
    timer = null;
    if (busy()) {
      timer = window.setTimeout(refresh, SPACING_MS);
      return;
    }
    lastRefresh = Date.now();
    pending = false;
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
  }

  function changed() {
    pending = true;
    if (timer === null) {
      timer = window.setTimeout(refresh, Math.max(0, lastRefresh + SPACING_MS - Date.now()));
    }
  }

  var source = new EventSource(region.dataset.liveEvents);
  source.addEventListener("open", function () {
    region.dataset.liveState = "open";
  });
  source.addEventListener("error", function () {
    region.dataset.liveState = "reconnecting";
  });
  source.addEventListener("change", function (message) {
    var change;
    try {
      change = JSON.parse(message.data);
    } catch (error) {
      return;
    }
    // The console's pages show help requests; a green-channel filing's step is the board's.
    if (change.stream === "filing") {
      return;
    }
    changed();
  });
})();
