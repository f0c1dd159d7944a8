/* Free-text intake (issue 14): POST /api/v1/parse, then pre-fill the safety ticks (start page) and,
   through sessionStorage (this tab only, cleared once used), the body map and answers (next page).
   The text itself is never stored: only the ids and the short words that gave them. */
(function () {
  "use strict";
  var KEY = "triggermap-draft";
  var lang = document.documentElement.lang === "es" ? "es" : "en";
  var T = {
    en: { pain: "area", side: { left: "left", right: "right", both: "both sides" }, from: "From your words",
          check: "Please check these marks and answers before you go on.", absent: "you said no",
          reasons: { "needs-side": "which side? left, right or both", vague: "which part exactly? mark it on the map",
                     "weak-match": "we ticked it to be safe: please check", hypothetical: "you wondered about it: we ticked it to be safe",
                     "other-person": "about someone else: not ticked", denied: "you said no", conflict: "said both yes and no: ticked to be safe",
                     "no-result": "test named without a result", "no-region": "where does it hurt?", spelling: "we guessed the spelling",
                     "denied-implied": "you said no, but other words suggest it: not ticked, please check it in the safety questions",
                     check: "not ticked: please answer it in the safety questions" },
          error: "Sorry, the description could not be read." },
    es: { pain: "zona", side: { left: "izquierda", right: "derecha", both: "ambos lados" }, from: "Según sus palabras",
          check: "Revise estas marcas y respuestas antes de seguir.", absent: "usted dijo que no",
          reasons: { "needs-side": "¿de qué lado? izquierdo, derecho o ambos", vague: "¿qué parte exactamente? márquela en el mapa",
                     "weak-match": "lo marcamos por seguridad: revíselo", hypothetical: "lo mencionó como duda: lo marcamos por seguridad",
                     "other-person": "se refiere a otra persona: no se marcó", denied: "usted dijo que no", conflict: "dijo sí y no: marcado por seguridad",
                     "no-result": "prueba sin resultado", "no-region": "¿dónde le duele?", spelling: "adivinamos la ortografía",
                     "denied-implied": "usted dijo que no, pero otras palabras lo sugieren: no se marcó, revíselo en las preguntas de seguridad",
                     check: "no se marcó: respóndalo en las preguntas de seguridad" },
          error: "No se pudo leer la descripción." }
  }[lang];
  var CAT = { pain: "regions", red_flags: "red-flags", qualities: "qualities", aggravating: "aggravating",
              findings: "findings", history: "history" };
  var vocab = null;

  function labels() {
    if (vocab) { return Promise.resolve(vocab); }
    return fetch("/api/v1/vocab", { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : {}; })
      .catch(function () { return {}; })
      .then(function (v) { vocab = v || {}; return vocab; });
  }
  function label(field, id) {
    var f = field.replace(/^absent\./, "");
    var list = vocab && vocab[CAT[f]];
    if (!list) { return id; }
    for (var i = 0; i < list.length; i++) {
      if (list[i].id === id) { return list[i].label[lang] || id; }
    }
    return id;
  }
  function li(text) { var el = document.createElement("li"); el.textContent = text; return el; }
  function describeItem(e) {
    if (e.field === "intensity") { return "“" + e.text + "” → " + e.value + "/10"; }
    if (e.field === "duration_weeks" || e.field === "age" || e.field === "sex") { return "“" + e.text + "” → " + e.field.replace("_", " ") + ": " + e.value; }
    var s = "“" + e.text + "” → " + label(e.field, e.value);
    if (e.side) { s += " (" + (T.side[e.side] || e.side) + ")"; }
    if (e.field.indexOf("absent.") === 0) { s += " — " + T.absent; }
    return s;
  }
  function unsureItem(u) {
    var close = (u.closest || []).map(function (c) { return label(c.field, c.value); }).join(", ");
    return "“" + u.text + "”: " + (T.reasons[u.reason] || u.reason) + (close ? " (" + close + ")" : "");
  }
  function marked(el, text, evidence) {
    el.textContent = "";
    var spans = evidence.slice().sort(function (a, b) { return a.start - b.start; });
    var at = 0;
    spans.forEach(function (e) {
      if (e.start < at) { return; }
      el.appendChild(document.createTextNode(text.slice(at, e.start)));
      var m = document.createElement("mark");
      m.textContent = text.slice(e.start, e.end);
      m.title = describeItem(e);
      el.appendChild(m);
      at = e.end;
    });
    el.appendChild(document.createTextNode(text.slice(at)));
  }
  function fillList(ul, items, fmt) {
    ul.textContent = "";
    items.forEach(function (x) { ul.appendChild(li(fmt(x))); });
  }

  /* start page */
  var box = document.querySelector("[data-describe]");
  if (box) {
    box.hidden = false;
    var area = box.querySelector("[data-describe-text]");
    var out = box.querySelector("[data-describe-out]");
    box.querySelector("[data-describe-go]").addEventListener("click", function () {
      var text = area.value;
      if (!text.trim()) { area.focus(); return; }
      Promise.all([labels(), fetch("/api/v1/parse", {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ text: text, lang: lang })
      }).then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })])
        .then(function (res) {
          var doc = res[1].body || {};
          var evidence = doc.evidence || [];
          var unsure = doc.unsure || [];
          out.hidden = false;
          marked(box.querySelector("[data-describe-marked]"), text, evidence);
          fillList(box.querySelector("[data-describe-evidence]"), evidence, describeItem);
          if (!res[1].ok && !unsure.length) { unsure = [{ text: doc.message || T.error, reason: "", closest: [] }]; }
          box.querySelector("[data-describe-unsure-title]").hidden = !unsure.length;
          fillList(box.querySelector("[data-describe-unsure]"), unsure, unsureItem);
          var save = box.querySelector("[data-describe-save]");
          if (save) {  /* the diary gets the words only if the person presses this button */
            save.elements.text.value = text;
            save.hidden = false;
          }
          var intake = doc.intake || {};
          (intake.red_flags || []).forEach(function (id) {
            /* the safety step asks flags in yes/no screeners (web/screeners.py): answer its
               screener Yes (and choose its area under "where does it hurt most?") then tick it */
            var cb = document.getElementById("rf-" + id) ||
              document.querySelector("#safety-form input[type=checkbox][value='" + id + "']");
            if (!cb || cb.checked) { return; }
            var group = cb.closest("[data-screener]");
            var area = group && group.getAttribute("data-area");
            var where = area && document.getElementById("mostly-" + area);
            if (where && !where.checked) { where.checked = true; }
            var yes = group && group.querySelector(".sg-yes");
            if (yes) { yes.checked = true; }
            cb.checked = true;
            cb.dispatchEvent(new Event("change", { bubbles: true }));
          });
          try {
            var keep = evidence.map(function (e) { return { field: e.field, value: e.value, side: e.side, text: e.text }; });
            sessionStorage.setItem(KEY, JSON.stringify({ intake: intake, evidence: keep, unsure: unsure }));
          } catch (err) { /* private mode: the next page is simply not pre-filled */ }
        })
        .catch(function () {
          out.hidden = false;
          fillList(box.querySelector("[data-describe-unsure]"), [{ text: T.error, reason: "", closest: [] }], function (u) { return u.text; });
        });
    });
  }

  /* next page: the body map and the answers */
  var form = document.getElementById("intake-form");
  var raw = null;
  try { raw = sessionStorage.getItem(KEY); } catch (err) { raw = null; }
  if (form && raw) {
    try { sessionStorage.removeItem(KEY); } catch (err) { /* ignore */ }
    var draft;
    try { draft = JSON.parse(raw); } catch (err) { return; }
    var intake = draft.intake || {};
    function tick(name, value) {
      var el = form.querySelector("input[name='" + name + "'][value='" + value + "']");
      if (el) { el.checked = true; }
      return el;
    }
    (intake.pain || []).forEach(function (p) {
      if (p.intensity === 0) { return; }  /* said not to hurt: shown in the list ("you said no"), not ticked */
      var sides = p.side === "both" ? ["left", "right"] : [p.side];
      sides.forEach(function (s) {
        var key = s ? p.region + ":" + s : p.region;
        if (tick("pain", key) && p.intensity) {
          var sel = form.querySelector("select[name='int:" + key + "']");
          if (sel) { sel.value = String(Math.max(1, p.intensity)); }
        }
      });
    });
    [["q", "qualities"], ["agg", "aggravating"], ["hist", "history"], ["find", "findings"]].forEach(function (pair) {
      (intake[pair[1]] || []).forEach(function (id) { tick(pair[0], id); });
    });
    if (intake.age != null && form.elements.age) { form.elements.age.value = intake.age; }
    if (intake.sex && form.elements.sex) { form.elements.sex.value = intake.sex; }
    if (intake.duration_weeks != null && form.elements.weeks) { form.elements.weeks.value = intake.duration_weeks; }
    form.dispatchEvent(new Event("change", { bubbles: true }));
    labels().then(function () {
      var panel = document.createElement("section");
      panel.className = "card describe-result";
      panel.setAttribute("role", "status");
      var h = document.createElement("h2"); h.textContent = T.from; panel.appendChild(h);
      var p = document.createElement("p"); p.className = "hint"; p.textContent = T.check; panel.appendChild(p);
      var ul = document.createElement("ul"); fillList(ul, draft.evidence || [], describeItem); panel.appendChild(ul);
      if ((draft.unsure || []).length) {
        var h3 = document.createElement("h3"); h3.textContent = lang === "es" ? "No entendimos" : "We did not understand";
        panel.appendChild(h3);
        var ul2 = document.createElement("ul"); fillList(ul2, draft.unsure, unsureItem); panel.appendChild(ul2);
      }
      form.insertBefore(panel, form.firstChild);
    });
  }
}());
