// One of huying's live streams (Server-Sent Events), for the pages that keep themselves current:
// the board, the console queue and workbench, the leadership dashboard.
//
// huyingLive.listen(url, stateElement, onChange) opens the stream, marks stateElement's
// data-state "open" or "reconnecting", and hands each change (parsed JSON) to onChange. The
// browser's EventSource reconnects by itself with the last id it saw, from which the server
// catches up. huyingLive.spaced(work, gapMs) runs work at most once every gapMs however often
// it is asked, and once more after the last ask, so a burst of changes costs a page a few
// reloads, not one each.
(function () {
  "use strict";

  function listen(url, stateElement, onChange) {
    var source = new EventSource(url);
    function state(value) {
      if (stateElement) {
        stateElement.dataset.state = value;
      }
    }
    source.addEventListener("open", function () {
      state("open");
    });
    source.addEventListener("error", function () {
      state("reconnecting");
    });
    source.addEventListener("change", function (message) {
      var change;
      try {
        change = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      onChange(change);
    });
    return source;
  }

  function spaced(work, gapMs) {
    var last = 0;
    var timer = null;
    function run() {
      timer = null;
      last = Date.now();
      work();
    }
    return function () {
      if (timer === null) {
        timer = window.setTimeout(run, Math.max(0, last + gapMs - Date.now()));
      }
    };
  }

  window.huyingLive = { listen: listen, spaced: spaced };
})();
