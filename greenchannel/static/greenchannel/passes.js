// The checkpoint's pass check: the same steps as greenchannel/passes.py verify_token, run on
// the phone so a checkpoint with no network can still tell a genuine pass from a forgery.
// Keys come from keys.json while online and are kept in localStorage for when it is not.
(function () {
  "use strict";
  var KEYS_STORE = "huying.passes.keys";
  var FIELDS = { iss: "string", pid: "string", fid: "string", no: "string", plate: "string",
    driver: "string", escort: "string", from: "string", to: "string", route: "string",
    nbf: "number", exp: "number" };

  function labels() {
    var node = document.getElementById("pass-labels");
    return node ? JSON.parse(node.textContent) : {};
  }

  function storedKeys() {
    try { return JSON.parse(localStorage.getItem(KEYS_STORE) || "null"); } catch (e) { return null; }
  }

  function refreshKeys(form, words) {
    var state = document.getElementById("pass-keys-state");
    function show(stored) {
      if (!state) return;
      state.textContent = stored ? words.keys_updated + " " + new Date(stored.at).toLocaleString() : words.keys_missing;
    }
    show(storedKeys());
    return fetch(form.dataset.keysUrl, { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (keys) {
        var stored = { at: Date.now(), keys: keys };
        localStorage.setItem(KEYS_STORE, JSON.stringify(stored));
        show(stored);
        form.dataset.keysReady = "true";
      })
      .catch(function () { form.dataset.keysReady = storedKeys() ? "cached" : "none"; });
  }

  function unb64url(text) {
    if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new Error("not base64url");
    var b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64), out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function supportsEd25519() {
    // A throwaway import of an all-zero key tells whether this browser knows Ed25519 at all.
    if (!(window.crypto && crypto.subtle)) return Promise.resolve(false);
    return crypto.subtle.importKey("raw", new Uint8Array(32), { name: "Ed25519" }, false, ["verify"])
      .then(function () { return true; }, function (e) { return e && e.name === "DataError"; });
  }

  // Resolves to { outcome, payload } without the network: form, issuer, signature, window.
  function checkOffline(token, keys) {
    var parts = token.split(".");
    var result = function (outcome, payload) { return { outcome: outcome, payload: payload || null }; };
    if (token.length > 4000 || parts.length !== 3 || parts[0] !== "HY1") return Promise.resolve(result("malformed"));
    var raw, signature, payload;
    try {
      raw = unb64url(parts[1]);
      signature = unb64url(parts[2]);
      payload = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(raw));
    } catch (e) { return Promise.resolve(result("malformed")); }
    if (!payload || typeof payload !== "object" || typeof payload.iss !== "string") return Promise.resolve(result("malformed"));
    var keyText = keys[payload.iss];
    if (!keyText) return Promise.resolve(result("unknown_issuer"));
    var keyBytes;
    try { keyBytes = unb64url(keyText.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")); }
    catch (e) { return Promise.resolve(result("forged")); }
    return crypto.subtle.importKey("raw", keyBytes, { name: "Ed25519" }, false, ["verify"])
      .then(function (key) { return crypto.subtle.verify({ name: "Ed25519" }, key, signature, raw); })
      .then(function (ok) {
        if (!ok) return result("forged");
        for (var name in FIELDS) {
          if (typeof payload[name] !== FIELDS[name]) return result("malformed");
        }
        var now = Math.floor(Date.now() / 1000);
        if (now < payload.nbf) return result("not_yet_valid", payload);
        if (now >= payload.exp) return result("expired", payload);
        return result("valid", payload);
      }, function () { return result("forged"); });
  }

  function checkRevocation(form, verdict) {
    if (verdict.outcome !== "valid") return Promise.resolve(verdict);
    var url = form.dataset.statusUrl.replace("00000000-0000-0000-0000-000000000000", encodeURIComponent(verdict.payload.pid));
    return fetch(url, { cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (status) {
        verdict.online = true;
        if (status.revoked) verdict.outcome = "revoked";
        return verdict;
      })
      .catch(function () { verdict.online = false; return verdict; });
  }

  function when(seconds) {
    var d = new Date(seconds * 1000), pad = function (n) { return String(n).padStart(2, "0"); };
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  }

  function render(verdict, words) {
    var box = document.getElementById("pass-result");
    var section = document.createElement("section");
    section.className = "pass-verdict verdict-" + verdict.outcome;
    section.dataset.outcome = verdict.outcome;
    section.dataset.checkedBy = "browser";
    section.setAttribute("role", "status");
    var label = document.createElement("p");
    label.className = "verdict-label";
    label.textContent = words[verdict.outcome] || verdict.outcome;
    section.appendChild(label);
    var p = verdict.payload;
    if (p) {
      var facts = document.createElement("dl");
      facts.className = "pass-facts";
      var rows = [["plate", p.plate], ["driver", p.driver], ["escort", p.escort], ["from", p.from], ["to", p.to],
        ["route", p.route], ["window", when(p.nbf) + " – " + when(p.exp)], ["iss", p.iss], ["no", p.no]];
      rows.forEach(function (row) {
        if (!row[1]) return;
        var dt = document.createElement("dt"), dd = document.createElement("dd");
        dt.textContent = words[row[0]];
        dd.textContent = row[1];
        facts.appendChild(dt);
        facts.appendChild(dd);
      });
      section.appendChild(facts);
    }
    if (verdict.outcome === "valid" || verdict.outcome === "revoked") {
      var note = document.createElement("p");
      note.className = "help";
      note.textContent = verdict.online ? words.revocation_checked : words.revocation_unchecked;
      section.appendChild(note);
    }
    box.replaceChildren(section);
  }

  function startCamera(form, words) {
    var button = document.getElementById("pass-scan"), video = document.getElementById("pass-camera");
    if (!button || !video || !("BarcodeDetector" in window) || !navigator.mediaDevices) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
      navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (stream) {
        video.srcObject = stream;
        video.hidden = false;
        video.play();
        var stop = function () { stream.getTracks().forEach(function (t) { t.stop(); }); video.hidden = true; };
        var look = function () {
          detector.detect(video).then(function (codes) {
            if (codes.length) {
              stop();
              form.elements.code.value = codes[0].rawValue;
              form.requestSubmit();
            } else { requestAnimationFrame(look); }
          }, function () { requestAnimationFrame(look); });
        };
        look();
      }, function () { alert(words.camera_failed); });
    });
  }

  // Keep this page and what it loads in the browser's cache, and let the service worker
  // (/passes/sw.js) answer from there when the network is gone: a checkpoint can then open
  // the check again with no signal at all, not only keep a page that is already open.
  var OFFLINE_CACHE = "huying-passes-v1";

  function keepForOffline(form) {
    if (!form.dataset.swUrl || !("serviceWorker" in navigator) || !window.caches) {
      form.dataset.offlineReady = "unsupported";
      return;
    }
    navigator.serviceWorker.register(form.dataset.swUrl)
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function () {
        var urls = [location.pathname, form.dataset.keysUrl];
        document.querySelectorAll("script[src], link[rel=stylesheet][href]").forEach(function (node) {
          urls.push(node.src || node.href);
        });
        return caches.open(OFFLINE_CACHE).then(function (cache) { return cache.addAll(urls); });
      })
      .then(function () { form.dataset.offlineReady = "true"; })
      .catch(function () { form.dataset.offlineReady = "false"; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("pass-verify");
    if (!form) return;
    var words = labels();
    refreshKeys(form, words);
    keepForOffline(form);
    startCamera(form, words);
    supportsEd25519().then(function (ok) {
      form.dataset.offlineCheck = ok ? "yes" : "no";
      if (!ok) return; // The form posts to the server, which runs the same check.
      form.addEventListener("submit", function (event) {
        var stored = storedKeys();
        var token = (form.elements.code.value || "").replace(/\s+/g, "");
        if (!stored || !token) return; // Let the server answer, with its field errors.
        event.preventDefault();
        checkOffline(token, stored.keys)
          .then(function (verdict) { return checkRevocation(form, verdict); })
          .then(function (verdict) { render(verdict, words); });
      });
    });
  });
})();
