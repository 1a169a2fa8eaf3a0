// Autocomplete under a search field: services, organisations and kinds of help as links.
// An enhancement only: without JavaScript the form submits as usual.
(function () {
  document.querySelectorAll("input[data-autocomplete]").forEach(function (input) {
    var endpoint = input.getAttribute("data-autocomplete");
    var list = document.createElement("ul");
    list.className = "ac-list";
    list.id = input.id + "-suggestions";
    list.hidden = true;
    list.setAttribute("aria-label", "Подсказки");
    input.setAttribute("aria-controls", list.id);
    input.closest(".search-row").insertAdjacentElement("afterend", list);
    var timer = null, last = "";
    function render(data) {
      list.innerHTML = "";
      // Danger to life or to a child: the numbers to call come first, whatever else matches.
      var groups = [["crisis", data.crisis_title || "Позвоните сейчас"], ["services", "Услуги"], ["organizations", "Организации"], ["categories", "Виды помощи"]];
      var count = 0;
      groups.forEach(function (group) {
        var items = data[group[0]] || [];
        if (!items.length) return;
        var head = document.createElement("li");
        head.className = "ac-group";
        if (group[0] === "crisis") { head.className += " ac-crisis"; head.setAttribute("data-crisis", ""); }
        head.textContent = group[1];
        list.appendChild(head);
        items.forEach(function (item) {
          var li = document.createElement("li");
          var a = document.createElement("a");
          a.href = item.url;
          a.textContent = item.label;
          li.appendChild(a);
          list.appendChild(li);
          count += 1;
        });
      });
      list.hidden = count === 0;
    }
    input.addEventListener("input", function () {
      var value = input.value.trim();
      if (value === last) return;
      last = value;
      clearTimeout(timer);
      if (value.length < 2) { list.hidden = true; return; }
      timer = setTimeout(function () {
        fetch(endpoint + "?q=" + encodeURIComponent(value), { headers: { Accept: "application/json" } })
          .then(function (r) { return r.ok ? r.json() : {}; })
          .then(function (data) { if (input.value.trim() === value) render(data); })
          .catch(function () { list.hidden = true; });
      }, 200);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Escape") list.hidden = true;
      if (event.key === "ArrowDown" && !list.hidden) {
        var first = list.querySelector("a");
        if (first) { event.preventDefault(); first.focus(); }
      }
    });
  });
})();
