/* The media channel's copy buttons: <button data-copy="#id"> copies that element's text.
   Without JavaScript the button stays hidden and the text can be selected by hand. */
(function () {
  "use strict";

  function copyBySelection(text) {
    // For browsers without the asynchronous clipboard (or a page not in a secure context).
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var done = false;
    try {
      done = document.execCommand("copy");
    } catch (error) {
      done = false;
    }
    document.body.removeChild(area);
    return done;
  }

  function setUp(button) {
    var target = document.querySelector(button.getAttribute("data-copy"));
    if (!target) {
      return;
    }
    var status = button.parentNode.querySelector(".copy-status");
    function say(text) {
      if (status) {
        status.textContent = text;
      }
    }
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = target.innerText.trim();
      var copied = button.getAttribute("data-copied");
      var failed = button.getAttribute("data-failed");
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { say(copied); },
          function () { say(copyBySelection(text) ? copied : failed); }
        );
      } else {
        say(copyBySelection(text) ? copied : failed);
      }
    });
  }

  document.querySelectorAll("button[data-copy]").forEach(setUp);
})();
