/* Kiosk enhancements: in-kiosk navigation without history, idle reset with a countdown, on-screen keyboard,
   suggestions, heartbeat, offline notice and the service worker. Every screen works without this file. */
(function () {
  "use strict";
  var body = document.body;
  var data = body.dataset;
  var scope = "/kiosk/" + data.kiosk + "/";
  var prefCookies = ["kiosk_lang", "kiosk_scale", "kiosk_contrast"];

  // ---------------------------------------------------------------- navigation stays inside the kiosk
  function insideKiosk(url) {
    return url.origin === location.origin && url.pathname.indexOf(scope) === 0;
  }
  function go(href) {
    var url = new URL(href, location.href);
    if (!insideKiosk(url)) return; // never leave the kiosk (no public site, no workspace, no other host)
    location.replace(url.href); // no browser history: the next person cannot go «back» to a stranger's screens
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest("a[href]");
    if (!link || event.defaultPrevented) return;
    event.preventDefault();
    go(link.getAttribute("href"));
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    event.preventDefault();
    var url = new URL(form.getAttribute("action") || location.href, location.href);
    new FormData(form).forEach(function (value, key) {
      if (String(value).trim()) url.searchParams.append(key, value);
    });
    go(url.href);
  });

  // ---------------------------------------------------------------- idle reset
  var idleMs = Math.max(1, parseInt(data.idleSeconds, 10) || 60) * 1000;
  var countdown = Math.max(1, parseInt(data.countdownSeconds, 10) || 10);
  var overlay = document.querySelector(".k-idle");
  var countEl = overlay && overlay.querySelector(".k-idle-count");
  var warnTimer = null;
  var tickTimer = null;
  var remaining = countdown;
  var dirty = body.classList.contains("screen-start") ? false : true;

  function clearTraces() {
    try { sessionStorage.clear(); } catch (e) { /* storage may be disabled */ }
    try { localStorage.clear(); } catch (e) { /* storage may be disabled */ }
    prefCookies.forEach(function (name) {
      document.cookie = name + "=; Max-Age=0; Path=" + scope + "; SameSite=Strict";
    });
    var field = document.getElementById("k-q");
    if (field) field.value = "";
  }
  function resetNow() {
    clearTraces();
    location.replace(data.resetUrl);
  }
  function hideCountdown() {
    if (tickTimer) clearInterval(tickTimer);
    tickTimer = null;
    if (overlay) overlay.hidden = true;
  }
  function showCountdown() {
    if (!dirty) { schedule(); return; } // a pristine start screen needs no reset
    remaining = countdown;
    if (countEl) countEl.textContent = String(remaining);
    if (overlay) {
      overlay.hidden = false;
      var stay = overlay.querySelector(".k-idle-stay");
      if (stay) stay.focus();
    }
    tickTimer = setInterval(function () {
      remaining -= 1;
      if (countEl) countEl.textContent = String(Math.max(0, remaining));
      if (remaining <= 0) { hideCountdown(); resetNow(); }
    }, 1000);
  }
  function schedule() {
    if (warnTimer) clearTimeout(warnTimer);
    warnTimer = setTimeout(showCountdown, Math.max(0, idleMs - countdown * 1000));
  }
  function activity() {
    dirty = true;
    hideCountdown();
    schedule();
  }
  ["pointerdown", "touchstart", "keydown", "input", "wheel"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true, capture: true });
  });
  schedule();

  // ---------------------------------------------------------------- on-screen keyboard and suggestions
  var LAYOUTS = {
    ru: ["йцукенгшщзхъ", "фывапролджэ", "ячсмитьбюё"],
    extra: ["әөүҗңһ"],
    latin: ["qwertyuiop", "asdfghjkl", "zxcvbnm"],
    digits: ["1234567890", "-.,«»№"]
  };
  var MODES = [["ru", "АБВ"], ["extra", "ӘӨҮ"], ["latin", "ABC"], ["digits", "123"]];
  var field = document.getElementById("k-q");
  var keyboard = document.querySelector(".k-keyboard");
  var box = document.querySelector(".k-suggestions");
  var list = box && box.querySelector(".k-suggestion-list");
  var mode = "ru";
  var suggestTimer = null;
  var suggestSeq = 0;

  function button(label, className, handler, aria) {
    var b = document.createElement("button");
    b.type = "button";
    b.className = "k-key " + (className || "");
    b.textContent = label;
    if (aria) b.setAttribute("aria-label", aria);
    b.addEventListener("click", handler);
    return b;
  }
  function type(text) {
    field.value = (field.value + text).slice(0, 200);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
  function drawKeyboard() {
    var k = keyboard.dataset;
    keyboard.textContent = "";
    LAYOUTS[mode].forEach(function (row) {
      var line = document.createElement("div");
      line.className = "k-key-row";
      Array.from(row).forEach(function (ch) {
        line.appendChild(button(ch, "", function () { type(ch); }));
      });
      keyboard.appendChild(line);
    });
    var modes = document.createElement("div");
    modes.className = "k-key-row";
    var names = { ru: k.labelRu, extra: k.labelExtra, latin: k.labelLatin, digits: k.labelDigits };
    MODES.forEach(function (m) {
      var b = button(m[1], "k-key-mode", function () { mode = m[0]; drawKeyboard(); }, m[1] + " — " + names[m[0]]);
      b.setAttribute("aria-pressed", m[0] === mode ? "true" : "false");
      modes.appendChild(b);
    });
    keyboard.appendChild(modes);
    var last = document.createElement("div");
    last.className = "k-key-row";
    last.appendChild(iconButton("backspace", "k-key-mode", function () {
      field.value = field.value.slice(0, -1);
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }, k.labelBackspace));
    last.appendChild(button(k.labelSpace, "k-key-wide", function () { type(" "); }));
    last.appendChild(button(k.labelClear, "k-key-mode", function () {
      field.value = "";
      field.dispatchEvent(new Event("input", { bubbles: true }));
    }));
    last.appendChild(iconButton("close", "k-key-mode", closeKeyboard, k.labelClose));
    last.appendChild(button(k.labelSubmit, "k-key-mode k-key-submit", function () {
      if (!field.value.trim()) { field.focus(); return; }
      var form = field.form;
      if (form.requestSubmit) form.requestSubmit(); else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }));
    keyboard.appendChild(last);
  }
  // Icons are drawn, not taken from a font (a kiosk's fonts may lack ⌫ and ✕).
  var ICONS = {
    backspace: "M21 5H8l-6 7 6 7h13zM11 9l6 6M17 9l-6 6",
    close: "M5 5l14 14M19 5L5 19"
  };
  function iconButton(name, className, handler, aria) {
    var b = button("", className, handler, aria);
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("class", "k-icon");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(ns, "path");
    path.setAttribute("d", ICONS[name]);
    path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor");
    path.setAttribute("stroke-width", "2");
    path.setAttribute("stroke-linecap", "round");
    path.setAttribute("stroke-linejoin", "round");
    svg.appendChild(path);
    b.appendChild(svg);
    return b;
  }
  // The open keyboard sits at the bottom of the screen; the page gets room below it and the field is kept in
  // view above it (in landscape 1920×1080 an in-flow keyboard pushed the field or itself off the screen).
  var root = document.documentElement;
  function keepFieldInView() {
    if (keyboard.hidden) return;
    var room = window.innerHeight - keyboard.offsetHeight;
    var label = field.form.querySelector(".k-label") || field;
    var top = label.getBoundingClientRect().top;
    var bottom = field.getBoundingClientRect().bottom;
    var delta = 0;
    if (top < 8 || bottom > room - 8) {
      delta = top - 16;
    } else if (box && !box.hidden) { // suggestions under the keyboard: move up, never the field off the top
      var over = box.getBoundingClientRect().bottom - (room - 8);
      if (over > 0) delta = Math.min(over, top - 16);
    }
    if (delta) window.scrollBy(0, delta);
  }
  function openKeyboard() {
    if (!keyboard.hidden && body.classList.contains("k-typing")) { keepFieldInView(); return; }
    keyboard.hidden = false;
    body.classList.add("k-typing");
    root.style.setProperty("--k-keyboard-height", keyboard.offsetHeight + "px");
    keepFieldInView();
  }
  function closeKeyboard() {
    keyboard.hidden = true;
    body.classList.remove("k-typing");
    root.style.removeProperty("--k-keyboard-height");
  }
  function showSuggestions(items) {
    list.textContent = "";
    items.forEach(function (item) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.className = "k-button k-suggestion";
      a.href = item.url;
      a.textContent = item.label + " ";
      var kind = document.createElement("span");
      kind.className = "k-suggestion-kind";
      kind.textContent = item.kind;
      a.appendChild(kind);
      li.appendChild(a);
      list.appendChild(li);
    });
    box.hidden = items.length === 0;
    keepFieldInView();
  }
  function suggest() {
    var q = field.value.trim();
    if (q.length < 2) { showSuggestions([]); return; }
    var seq = ++suggestSeq;
    fetch(data.suggestUrl + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { items: [] }; })
      .then(function (json) { if (seq === suggestSeq) showSuggestions(json.items || []); })
      .catch(function () { showSuggestions([]); });
  }
  if (field && keyboard) {
    drawKeyboard();
    field.addEventListener("focus", openKeyboard);
    field.addEventListener("click", openKeyboard);
    field.addEventListener("input", function () {
      keepFieldInView();
      if (suggestTimer) clearTimeout(suggestTimer);
      suggestTimer = setTimeout(suggest, 200);
    });
    window.addEventListener("resize", function () {
      if (keyboard.hidden) return;
      root.style.setProperty("--k-keyboard-height", keyboard.offsetHeight + "px");
      keepFieldInView();
    });
  }

  // ---------------------------------------------------------------- printing a slip
  var slip = document.querySelector("[data-autoprint]");
  if (slip) {
    window.addEventListener("load", function () { window.print(); });
    var again = document.querySelector(".k-print-again");
    if (again) again.addEventListener("click", function () { window.print(); });
  }

  // ---------------------------------------------------------------- network: notice, heartbeat, offline cache
  var notice = document.querySelector(".k-offline");
  function updateNotice() { if (notice) notice.hidden = navigator.onLine; }
  window.addEventListener("online", function () {
    updateNotice();
    if (navigator.serviceWorker && navigator.serviceWorker.controller) {
      navigator.serviceWorker.controller.postMessage("refresh");
    }
  });
  window.addEventListener("offline", updateNotice);
  updateNotice();

  function heartbeat() {
    if (!navigator.onLine) return;
    fetch(data.heartbeatUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ version: data.version })
    }).then(function (r) { if (notice) notice.hidden = r.ok; })
      .catch(function () { if (notice) notice.hidden = false; });
  }
  heartbeat();
  setInterval(heartbeat, 60000);

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(data.swUrl, { scope: scope }).then(function () {
      if (navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage("maybe-refresh");
    }).catch(function () { /* the kiosk works without offline support */ });
  }
})();
