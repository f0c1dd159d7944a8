/* Search of the static atlas: runs in the browser over window.triggermapIndex (assets/search-<lang>.js),
   no server, no fetch (browsers refuse fetch on file://). Without JavaScript the full lists show. */
(function () {
  "use strict";
  var doc = document;

  function fold(s) {
    return (s || "").toLocaleLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function search(q) {
    var words = fold(q).split(/\s+/).filter(Boolean);
    var index = window.triggermapIndex || [];
    if (!words.length) { return null; }
    return index.filter(function (item) {
      return words.every(function (w) { return item.s.indexOf(w) !== -1 || fold(item.t).indexOf(w) !== -1; });
    });
  }

  function render(results, list, base) {
    list.textContent = "";
    results.forEach(function (item) {
      var li = doc.createElement("li");
      var a = doc.createElement("a");
      a.href = base + item.u;
      var kind = doc.createElement("span");
      kind.className = "kind";
      kind.textContent = list.getAttribute("data-kind-" + item.k) || item.k;
      var name = doc.createElement("span");
      name.className = "mname";
      name.textContent = item.t;
      a.appendChild(kind);
      a.appendChild(name);
      li.appendChild(a);
      if (item.d) {
        var p = doc.createElement("p");
        p.textContent = item.d;
        li.appendChild(p);
      }
      list.appendChild(li);
    });
  }

  function init() {
    var input = doc.getElementById("atlas-q");
    var box = doc.getElementById("atlas-results");
    var list = doc.getElementById("atlas-result-list");
    var all = doc.getElementById("atlas-all");
    if (!input || !box || !list) { return; }  /* other pages: the form goes to the index with ?q= */
    var count = box.querySelector("[data-count]");
    var none = box.querySelector("[data-none]");
    function run() {
      var results = search(input.value);
      box.hidden = results === null;
      if (all) { all.hidden = results !== null; }
      if (results === null) { return; }
      render(results, list, doc.body.getAttribute("data-up") || "");
      none.hidden = results.length !== 0;
      count.textContent = results.length === 1 ? count.getAttribute("data-count-one")
        : count.getAttribute("data-count-many").replace("{n}", results.length);
    }
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) { input.value = q; }
    input.addEventListener("input", run);
    input.form.addEventListener("submit", function (e) { e.preventDefault(); run(); });
    run();
  }

  if (doc.readyState === "loading") { doc.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
