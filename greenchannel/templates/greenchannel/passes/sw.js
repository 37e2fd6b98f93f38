// The pass check's service worker: the network first, so a checkpoint online always gets the
// current page, keys and revocations; the copy kept by the page (passes.js) when the network is
// gone. Revocation answers are never kept: an old "not revoked" must not pass for a current one.
// (Rendered as a Django template, for the URLs below.)
{% load static %}"use strict";
var OFFLINE_CACHE = "huying-passes-v1";
// Only the check itself is kept: never a staff page (a pass page carries a valid token).
var KEPT = ["{% url 'passes:verify' %}", "{% url 'passes:keys' %}"];
var STATIC_PREFIX = "{% get_static_prefix %}";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (KEPT.indexOf(url.pathname) === -1 && url.pathname.indexOf(STATIC_PREFIX) !== 0) return;
  event.respondWith(
    fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(OFFLINE_CACHE).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(request, { ignoreSearch: true }).then(function (kept) {
        return kept || Response.error();
      });
    })
  );
});
