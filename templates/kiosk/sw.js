{% load static %}/* Service worker of kiosk {{ kiosk.code }} (version {{ version }}): keeps the kiosk shell and the latest data of
   the kiosk's district for offline use, and never lets a kiosk page reach anything outside the kiosk. */
"use strict";
var SCOPE = "/kiosk/{{ kiosk.code|escapejs }}/";
var CACHE = "kiosk-{{ kiosk.code|escapejs }}-{{ version|escapejs }}";
var MANIFEST = SCOPE + "offline.json";
var OFFLINE = SCOPE + "offline/";
var REFRESH_MS = 30 * 60 * 1000;
var NEVER_CACHED = ["suggest/", "heartbeat/", "settings/", "reset/", "sw.js", "offline.json"];
var SHELL = [SCOPE, SCOPE + "help/", SCOPE + "situations/", SCOPE + "hotlines/", OFFLINE,
  "{% static 'kiosk/kiosk.css' %}", "{% static 'kiosk/kiosk.js' %}"];

function cacheKey(url) {
  // Links carry `tap` (a usage count) and `back` (the way back): the same screen either way.
  var u = new URL(url);
  u.searchParams.delete("tap");
  u.searchParams.delete("back");
  return u.href;
}

function store(cache, url) {
  return fetch(url, { credentials: "same-origin" }).then(function (response) {
    if (response.ok && !response.redirected) return cache.put(cacheKey(response.url), response);
  });
}

function refresh() {
  return caches.open(CACHE).then(function (cache) {
    return fetch(MANIFEST, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (manifest) {
        var urls = SHELL.concat(manifest.urls || []);
        var next = 0;
        function worker() {
          if (next >= urls.length) return Promise.resolve();
          var url = new URL(urls[next++], self.location.origin).href;
          return store(cache, url).catch(function () {}).then(worker);
        }
        return Promise.all([worker(), worker(), worker()]);
      })
      .then(function () { return cache.put("/__kiosk_refreshed__", new Response(String(Date.now()))); });
  }).catch(function () { /* offline: keep what is cached */ });
}

function maybeRefresh() {
  return caches.open(CACHE).then(function (cache) {
    return cache.match("/__kiosk_refreshed__").then(function (r) { return r ? r.text() : "0"; });
  }).then(function (stamp) {
    if (Date.now() - Number(stamp) > REFRESH_MS) return refresh();
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return Promise.all(SHELL.map(function (url) { return store(cache, new URL(url, self.location.origin).href); }));
  }).then(refresh).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k.indexOf("kiosk-{{ kiosk.code|escapejs }}-") === 0 && k !== CACHE; })
      .map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  if (event.data === "refresh") event.waitUntil(refresh());
  if (event.data === "maybe-refresh") event.waitUntil(maybeRefresh());
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || !(url.pathname.indexOf(SCOPE) === 0 || url.pathname.indexOf("/static/") === 0)) {
    // The kiosk boundary: nothing outside the kiosk (workspace, admin, public site, other hosts).
    event.respondWith(new Response("", { status: 404, statusText: "Not available on a kiosk" }));
    return;
  }
  if (request.method !== "GET") return;
  var path = url.pathname.slice(SCOPE.length);
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(caches.match(request.url).then(function (hit) {
      return hit || fetch(request).then(function (response) {
        if (response.ok) {
          var copy = response.clone();
          caches.open(CACHE).then(function (cache) { cache.put(request.url, copy); });
        }
        return response;
      });
    }));
    return;
  }
  if (NEVER_CACHED.some(function (p) { return path === p; })) {
    if (path === "reset/" || path === "settings/") {
      event.respondWith(fetch(request).catch(function () { return caches.match(new URL(SCOPE, url).href); }));
    }
    return;
  }
  var key = cacheKey(request.url);
  event.respondWith(fetch(request).then(function (response) {
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(key, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(key).then(function (hit) {
      if (hit) return hit;
      if (request.mode === "navigate") return caches.match(new URL(OFFLINE, url).href);
      return Response.error();
    });
  }));
});
