// «Near me»: with JavaScript the browser's position can be used instead of a chosen settlement.
// Without JavaScript the settlement list still works. Nothing leaves the page but the coordinates in the form.
(function () {
  if (!("geolocation" in navigator)) return;
  document.querySelectorAll("[data-near-form]").forEach(function (box) {
    var button = box.querySelector("[data-geolocate]");
    var status = box.querySelector("[data-geo-status]");
    var lat = box.querySelector("[data-lat], input[name=lat]");
    var lon = box.querySelector("[data-lon], input[name=lon]");
    if (!button || !lat || !lon) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = "Определяем местоположение…";
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(5);
        lon.value = pos.coords.longitude.toFixed(5);
        var select = box.querySelector("select[name=near]");
        if (select) select.disabled = true;
        var form = button.closest("form");
        var sort = form.querySelector("input[name=sort][value=distance]");
        if (sort && sort.type === "radio") sort.checked = true;
        form.submit();
      }, function () {
        status.textContent = "Не удалось определить местоположение. Выберите населённый пункт из списка.";
      }, { timeout: 10000, maximumAge: 600000 });
    });
  });
})();
