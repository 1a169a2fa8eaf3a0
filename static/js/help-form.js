// «Попросить о помощи» (templates/referrals/help_request.html). An enhancement only: without JavaScript the form
// works as it is (the server derives the district from a typed settlement and refuses to guess).
// 1. After a refused post the error summary takes the focus, and its links focus their field.
// 2. A typed settlement fills in its district; «Определить по местоположению» finds the nearest settlement of
//    the list in the page. The district is shown in the select before sending, and the family can change it.
//    The position never leaves the browser (it is compared with the list here; nothing is sent or stored).
(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) {
    summary.focus();
    summary.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link) return;
      var field = document.getElementById(link.getAttribute("href").slice(1));
      if (!field) return;
      event.preventDefault();
      var group = field.closest(".form-group") || field;
      group.scrollIntoView({ block: "start" });
      field.focus({ preventScroll: true });
    });
  }

  var form = document.querySelector("[data-help-form]");
  if (!form) return;
  var input = form.querySelector("input[name=settlement]");
  var select = form.querySelector("select[name=district]");
  var list = input && document.getElementById(input.getAttribute("list"));
  var status = form.querySelector("[data-geo-status]");
  if (!input || !select || !list || !status) return;
  var MAX_KM = 50; // farther than this from every settlement of the list: not in the region, choose by hand
  var KINDS = ["г", "город", "с", "село", "пгт", "п", "пос", "поселок", "д", "деревня", "м", "местечко", "аал",
    "ст", "станица"]; // as SETTLEMENT_KINDS in referrals/intake.py

  // The same comparison as settlement_key() in referrals/intake.py.
  function key(text) {
    var words = text.split("(")[0].toLowerCase().replace(/ё/g, "е").replace(/[-\u2011]/g, " ")
      .replace(/\./g, ". ").replace(/,/g, " ").split(/\s+/).filter(Boolean);
    while (words.length > 1 && KINDS.indexOf(words[0].replace(/\.+$/, "")) !== -1) words.shift();
    return words.join(" ");
  }
  function message(name, values) {
    return (form.getAttribute("data-msg-" + name) || "").replace(/\{(\w+)\}/g, function (all, word) {
      return values && word in values ? values[word] : all;
    });
  }
  function districtName(id) {
    var option = select.querySelector("option[value='" + id + "']");
    return option ? option.textContent : "";
  }
  function choose(id) {
    select.value = id;
    select.dispatchEvent(new Event("change", { bubbles: true }));
  }
  var options = Array.prototype.map.call(list.options, function (option) {
    return {
      value: option.value, district: option.getAttribute("data-district"),
      lat: parseFloat(option.getAttribute("data-lat")), lon: parseFloat(option.getAttribute("data-lon"))
    };
  });

  function fromSettlement() {
    var typed = input.value.trim();
    if (!typed) { status.textContent = ""; return; }
    var exact = options.filter(function (o) { return o.value === typed; });
    var found = exact.length ? exact : options.filter(function (o) { return key(o.value) === key(typed); });
    var districts = found.map(function (o) { return o.district; })
      .filter(function (id, i, all) { return all.indexOf(id) === i; });
    if (districts.length === 1) {
      if (select.value !== districts[0]) choose(districts[0]);
      status.textContent = message("derived", { district: districtName(districts[0]) });
    } else if (districts.length > 1) {
      if (districts.indexOf(select.value) === -1) choose("");
      status.textContent = message("several");
    } else {
      status.textContent = "";
    }
  }
  input.addEventListener("change", fromSettlement);
  input.addEventListener("input", function () {
    // a choice from the list fills the field at once: react to it without waiting for the field to lose focus
    if (options.some(function (o) { return o.value === input.value; })) fromSettlement();
  });

  var button = form.querySelector("[data-geolocate]");
  if (!button || !("geolocation" in navigator)) return;
  button.hidden = false;
  function km(lat1, lon1, lat2, lon2) {
    var rad = Math.PI / 180, dLat = (lat2 - lat1) * rad, dLon = (lon2 - lon1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 12742 * Math.asin(Math.sqrt(a));
  }
  button.addEventListener("click", function () {
    status.textContent = message("locating");
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      button.disabled = false;
      var lat = position.coords.latitude, lon = position.coords.longitude, best = null, bestKm = Infinity;
      options.forEach(function (o) {
        var d = km(lat, lon, o.lat, o.lon);
        if (d < bestKm) { best = o; bestKm = d; }
      });
      if (!best || bestKm > MAX_KM) { status.textContent = message("far"); return; }
      input.value = best.value;
      choose(best.district);
      status.textContent = message("found", { settlement: best.value, district: districtName(best.district) });
    }, function () {
      button.disabled = false;
      status.textContent = message("failed");
    }, { timeout: 10000, maximumAge: 600000 });
  });
})();
