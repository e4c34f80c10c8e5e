// tppo-graph: search over the labels of every page, in both languages, with no server (the index is a script).
(function () {
  "use strict";
  var body = document.body;
  var root = body.getAttribute("data-root") || "";
  var lang = body.getAttribute("data-lang") || "en";
  var entries = window.TPPO_SEARCH || [];
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var folded = entries.map(function (e) { return fold(e[1] + " \u0001 " + e[2] + " \u0001 " + e[3]); });
  document.querySelectorAll("form.search").forEach(function (form) {
    var input = form.querySelector("input");
    var list = form.querySelector("ol");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var first = list.querySelector("a");
      if (first) { window.location.href = first.getAttribute("href"); }
    });
    input.addEventListener("input", function () {
      var words = fold(input.value).split(/\s+/).filter(Boolean);
      list.textContent = "";
      if (!words.length) { return; }
      var shown = 0;
      for (var i = 0; i < entries.length && shown < 30; i++) {
        var hay = folded[i];
        if (words.every(function (w) { return hay.indexOf(w) >= 0; })) {
          var item = document.createElement("li");
          var link = document.createElement("a");
          link.href = root + entries[i][0].replace(/%/g, "%25") + "." + lang + ".html";
          link.textContent = lang === "id" ? entries[i][1] : entries[i][2];
          var curie = document.createElement("code");
          curie.className = "iri";
          curie.textContent = " " + entries[i][3];
          item.appendChild(link);
          item.appendChild(curie);
          list.appendChild(item);
          shown++;
        }
      }
      if (!shown) {
        var none = document.createElement("li");
        none.textContent = input.getAttribute("data-none");
        list.appendChild(none);
      }
    });
  });
})();
