// The citizen app and the enterprise portal: the wait on the "send code" button.
// Everything works without this file; it only saves a refused second tap.
(function () {
  "use strict";

  function countDown(button) {
    var left = parseInt(button.getAttribute("data-wait"), 10);
    if (!(left > 0)) { return; }
    var label = button.getAttribute("data-again") || button.textContent;
    button.disabled = true;
    function tick() {
      if (left <= 0) {
        button.disabled = false;
        button.textContent = label;
        return;
      }
      button.textContent = label + " (" + left + ")";
      left -= 1;
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  function start() {
    document.querySelectorAll("button.send-code[data-wait]").forEach(countDown);
    // After a code was sent, the next thing to type is the code.
    var sent = document.querySelector(".code-sent");
    var code = document.getElementById("id_code");
    if (sent && code && !code.value) { code.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
