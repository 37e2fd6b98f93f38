// The live board: listens to /board/events/ (live/stream.js) and refetches the board when
// anything changed. A new critical request raises the banner and, once sound is switched on,
// a short two-tone alarm made with the Web Audio API.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board || !window.huyingLive) {
    return;
  }
  var alarm = document.getElementById("board-alarm");
  var alarmNumber = document.getElementById("board-alarm-number");
  var live = document.getElementById("board-live");
  var soundButton = document.getElementById("board-sound");
  var audio = null;
  var soundOn = false;
  var refreshing = false;
  var again = false;

  function refresh() {
    if (refreshing) {
      again = true;
      return;
    }
    refreshing = true;
    fetch(board.dataset.fragment, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (response.ok) {
          return response.text().then(function (html) {
            board.innerHTML = html;
          });
        }
        return null;
      })
      .catch(function () {})
      .then(function () {
        refreshing = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function tone(context, frequency, start, length) {
    var oscillator = context.createOscillator();
    var gain = context.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.25, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    oscillator.connect(gain);
    gain.connect(context.destination);
    oscillator.start(start);
    oscillator.stop(start + length + 0.05);
  }

  function beep() {
    if (!soundOn || !audio) {
      return;
    }
    var now = audio.currentTime;
    tone(audio, 880, now, 0.18);
    tone(audio, 660, now + 0.22, 0.18);
    tone(audio, 880, now + 0.44, 0.3);
  }

  function raise(change) {
    alarmNumber.textContent = change.number;
    alarm.hidden = false;
    document.body.classList.add("board-alarmed");
    beep();
  }

  document.getElementById("board-alarm-close").addEventListener("click", function () {
    alarm.hidden = true;
    document.body.classList.remove("board-alarmed");
  });

  // Browsers let a page make sound only after someone has touched it.
  soundButton.addEventListener("click", function () {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) {
      return;
    }
    if (!audio) {
      audio = new Context();
    }
    soundOn = !soundOn;
    if (soundOn) {
      audio.resume();
    }
    soundButton.setAttribute("aria-pressed", soundOn ? "true" : "false");
    beep();
  });

  var grid = board.querySelector("[data-latest-event]");
  var after = grid ? grid.getAttribute("data-latest-event") : "";
  window.huyingLive.listen(
    board.dataset.events + (after ? "?after=" + encodeURIComponent(after) : ""),
    live,
    function (change) {
      if (change.stream !== "filing" && change.kind === "created" && change.urgency === "critical") {
        raise(change);
      }
      refresh();
    }
  );
})();
