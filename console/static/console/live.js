// Keeps the request queue current: the pulse (console/_pulse.html) asks twice a second whether
// anything changed; when it did, the queue reloads with the filters in use. Not while the
// dispatcher is typing in the filters, so a reload never eats what they type.
document.body.addEventListener("queue-changed", function () {
  var filters = document.getElementById("filters");
  if (filters && filters.contains(document.activeElement)) {
    return;
  }
  if (document.querySelector("#queue.htmx-request")) {
    return;
  }
  htmx.trigger("#queue", "refresh-queue");
});
