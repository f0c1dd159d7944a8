/* triggermap: progressive enhancement only. Every page works without this script.
   - safety questions: an emergency answer shows the emergency advice at once
   - body map: click / Enter / Space on a region marks it and cycles the intensity
     (mild 3, moderate 5, severe 8, clear); the list of areas stays the form's source of truth
   - print button, live filter of the muscle library */
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.add("js");

  function all(sel, root) { return Array.prototype.slice.call((root || doc).querySelectorAll(sel)); }
  function one(sel, root) { return (root || doc).querySelector(sel); }

  /* ---------------------------------------------------------------- safety questions */
  function initSafety() {
    var form = one("[data-triage-rules]");
    if (!form) { return; }
    var data = { rules: [], reasons: {} };
    var raw = one("#triage-rules");
    if (raw) { try { data = JSON.parse(raw.textContent); } catch (e) { /* keep defaults */ } }
    var emergency = one("#alert-emergency");
    var urgent = one("#alert-urgent");
    var ruleItem = emergency ? one("[data-rule-reason]", emergency) : null;
    var rank = { "self-care": 0, "see-clinician": 1, "urgent": 2, "emergency": 3 };
    var wasEmergency = false;

    /* hidden rf inputs are answers given on an earlier page: they count for the combination
       rules, but only a tick on this page raises the alert (the earlier page already did) */
    function update() {
      var answered = {};
      var ticked = {};
      var level = "self-care";
      all("input[name^='rf']", form).forEach(function (box) {
        if (box.disabled) { return; }
        if (box.type === "hidden") { answered[box.value] = true; return; }
        if (!box.checked) { return; }
        answered[box.value] = true;
        ticked[box.value] = true;
        if (rank[box.dataset.level] > rank[level]) { level = box.dataset.level; }
      });
      var ruleTexts = [];
      data.rules.forEach(function (rule) {
        var ids = rule.all_of.concat(rule.any_of);
        var allOk = rule.all_of.every(function (id) { return answered[id]; });
        var anyOk = !rule.any_of.length || rule.any_of.some(function (id) { return answered[id]; });
        var fresh = ids.some(function (id) { return ticked[id]; });
        if (allOk && anyOk && fresh) {
          if (rank[rule.level] > rank[level]) { level = rule.level; }
          if (rule.level === "emergency" && data.reasons[rule.id]) { ruleTexts.push(data.reasons[rule.id]); }
        }
      });
      if (emergency) {
        all("[data-reason-for]", emergency).forEach(function (li) {
          li.hidden = !ticked[li.getAttribute("data-reason-for")];
        });
        if (ruleItem) {
          ruleItem.textContent = ruleTexts.join(" ");
          ruleItem.hidden = !ruleTexts.length;
        }
        var isEmergency = level === "emergency";
        emergency.hidden = !isEmergency;
        if (isEmergency && !wasEmergency) {
          emergency.scrollIntoView({ block: "start" });
        }
        wasEmergency = isEmergency;
      }
      if (urgent) { urgent.hidden = level !== "urgent"; }
    }
    form.addEventListener("change", function (ev) {
      var t = ev.target;
      if (t && t.type === "radio" && t.name.indexOf("sg.") === 0 && t.value === "no") {
        /* "No" clears the ticks under it (the server ignores them too) */
        var group = t.closest("[data-screener]");
        if (group) { all("input[type=checkbox]", group).forEach(function (b) { b.checked = false; }); }
      }
      update();
    });
    update();
  }

  /* ---------------------------------------------------------------------- body map */
  var STEPS = [3, 5, 8];
  function levelOf(intensity) { return intensity >= 7 ? 3 : (intensity >= 4 ? 2 : 1); }

  function initBodyMap() {
    var map = one("[data-bodymap]");
    var form = one("#intake-form");
    if (!map || !form) { return; }
    map.hidden = false;
    all("[data-js-only]").forEach(function (el) { el.hidden = false; });
    all("[data-nojs-only]").forEach(function (el) { el.hidden = true; });
    /* the map drives the list: fold the list away, so the questions follow the map */
    var regionList = one("[data-region-list]");
    if (regionList && !one("#form-errors")) { regionList.open = false; }
    var words = {
      0: map.dataset.tNone || "not marked",
      1: map.dataset.tMild || "mild",
      2: map.dataset.tModerate || "moderate",
      3: map.dataset.tSevere || "severe"
    };
    var boxes = {};
    all("input[name=pain]", form).forEach(function (box) { boxes[box.value] = box; });
    function select(key) { return form.querySelector("select[name='int:" + key + "']"); }
    function keyOf(path) {
      var region = path.getAttribute("data-region");
      var side = path.getAttribute("data-side");
      return side && side !== "none" && side !== "midline" ? region + ":" + side : region;
    }
    var paths = all("[data-region]", map).filter(function (p) { return boxes[keyOf(p)]; });
    all("[data-region]", map).forEach(function (p) {
      if (!boxes[keyOf(p)]) { p.removeAttribute("tabindex"); p.setAttribute("aria-hidden", "true"); }
    });

    function state(key) {
      var box = boxes[key];
      var sel = select(key);
      var intensity = sel ? parseInt(sel.value, 10) || 5 : 5;
      return { on: !!(box && box.checked), intensity: intensity };
    }
    function labelOf(key) {
      var box = boxes[key];
      return (box && box.dataset.label) || key;
    }
    function describe(key) {
      var s = state(key);
      return s.on ? words[levelOf(s.intensity)] + ", " + s.intensity + "/10" : words[0];
    }
    function paint() {
      paths.forEach(function (p) {
        var key = keyOf(p);
        var s = state(key);
        if (s.on) { p.setAttribute("data-intensity", String(s.intensity)); }
        else { p.removeAttribute("data-intensity"); }
        p.setAttribute("aria-checked", s.on ? "true" : "false");
        p.setAttribute("aria-label", labelOf(key) + ": " + describe(key));
      });
      var list = one("[data-marked-list]", map);
      var none = one("[data-marked-none]", map);
      var clear = one("[data-clear-map]", map);
      var marked = Object.keys(boxes).filter(function (k) { return boxes[k].checked; });
      if (list) {
        list.textContent = "";
        marked.forEach(function (k) {
          var li = doc.createElement("li");
          li.textContent = labelOf(k) + ": " + describe(k);
          list.appendChild(li);
        });
      }
      if (none) { none.hidden = marked.length > 0; }
      if (clear) { clear.hidden = marked.length === 0; }
      all(".side-control").forEach(function (c) {
        var b = one("input[type=checkbox]", c);
        c.classList.toggle("is-marked", !!(b && b.checked));
      });
      /* the safety screeners of each area the drawing reaches (kept while answered) */
      var areas = {};
      marked.forEach(function (k) {
        var row = boxes[k].closest("[data-areas]");
        if (row) { row.getAttribute("data-areas").split(" ").forEach(function (a) { areas[a] = true; }); }
      });
      var anyArea = false;
      all("[data-screener][data-area]", form).forEach(function (fs) {
        var on = !!areas[fs.getAttribute("data-area")] || !!fs.querySelector("input:checked");
        fs.hidden = !on;
        if (on) { anyArea = true; }
      });
      all("[data-asked-for]", form).forEach(function (inp) {
        var a = inp.getAttribute("data-asked-for");
        inp.disabled = !one("[data-screener][data-area='" + a + "']:not([hidden])", form);
      });
      var areaSection = one("[data-area-safety]", form);
      if (areaSection) { areaSection.hidden = !anyArea; }
      all("[data-group]").forEach(function (g) {
        var n = all("input[name=pain]:checked", g).length;
        var count = one("[data-group-count]", g);
        if (count) {
          count.textContent = !n ? "" : (n === 1 ? (map.dataset.tMarkedOne || "1 marked")
            : (map.dataset.tMarkedMany || "{n} marked").replace("{n}", n));
        }
      });
    }
    function cycle(key) {
      var box = boxes[key];
      var sel = select(key);
      if (!box) { return; }
      var s = state(key);
      if (!s.on) {
        box.checked = true;
        if (sel) { sel.value = String(STEPS[0]); }
      } else {
        var lv = levelOf(s.intensity);
        if (lv < 3) {
          if (sel) { sel.value = String(STEPS[lv]); }
        } else {
          box.checked = false;
          if (sel) { sel.value = "5"; }
        }
      }
      paint();
    }
    var SVGNS = "http://www.w3.org/2000/svg";
    function showRing(p) {
      hideRing(p);
      var svg = p.ownerSVGElement;
      if (!svg) { return; }
      ["focus-ring", "focus-ring-inner"].forEach(function (cls) {
        var ring = doc.createElementNS(SVGNS, "path");
        ring.setAttribute("d", p.getAttribute("d"));
        ring.setAttribute("class", cls);
        ring.setAttribute("aria-hidden", "true");
        svg.appendChild(ring);
      });
    }
    function hideRing(p) {
      var svg = p.ownerSVGElement;
      if (svg) { all(".focus-ring, .focus-ring-inner", svg).forEach(function (r) { r.remove(); }); }
    }
    /* one Tab stop per view; the arrow keys move to the nearest area in that direction */
    function panelOf(p) { return p.closest("[data-view-panel]"); }
    function center(p) {
      var r = p.getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    }
    function rove(p, key) {
      var panel = panelOf(p);
      var c = center(p);
      var best = null;
      var bestScore = Infinity;
      paths.forEach(function (q) {
        if (q === p || panelOf(q) !== panel) { return; }
        var d = center(q);
        var dx = d.x - c.x;
        var dy = d.y - c.y;
        var along = key === "ArrowDown" ? dy : key === "ArrowUp" ? -dy : key === "ArrowRight" ? dx : -dx;
        var across = key === "ArrowDown" || key === "ArrowUp" ? Math.abs(dx) : Math.abs(dy);
        if (along <= 1) { return; }
        var score = along + 2 * across;
        if (score < bestScore) { bestScore = score; best = q; }
      });
      if (best) {
        p.setAttribute("tabindex", "-1");
        best.setAttribute("tabindex", "0");
        best.focus();
      }
    }
    var firstInPanel = {};
    paths.forEach(function (p) {
      var panel = panelOf(p);
      var v = panel ? panel.getAttribute("data-view-panel") : "";
      p.setAttribute("tabindex", firstInPanel[v] ? "-1" : "0");
      firstInPanel[v] = true;
    });
    paths.forEach(function (p) {
      p.setAttribute("role", "checkbox");
      p.addEventListener("click", function (ev) { ev.preventDefault(); cycle(keyOf(p)); });
      p.addEventListener("focus", function () {
        var visible = true;
        try { visible = p.matches(":focus-visible"); } catch (e) { visible = true; }
        if (visible) { showRing(p); }
      });
      p.addEventListener("blur", function () { hideRing(p); });
      p.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" || ev.key === " " || ev.key === "Spacebar") {
          ev.preventDefault();
          cycle(keyOf(p));
        } else if (ev.key === "ArrowDown" || ev.key === "ArrowUp" || ev.key === "ArrowLeft" || ev.key === "ArrowRight") {
          ev.preventDefault();
          rove(p, ev.key);
        }
      });
    });
    form.addEventListener("change", paint);

    /* phones: an area drawn under 44 x 44 px is no target of its own (WCAG 2.5.5); a tap there
       opens a picker of the areas around the finger, each a full-size button */
    var MIN = 44;
    var phoneQuery = window.matchMedia ? window.matchMedia("(max-width: 40rem), (pointer: coarse)") : null;
    var picker = one("[data-picker]", map);
    var pickerButtons = picker ? one("[data-picker-buttons]", picker) : null;
    var picked = [];
    function isPhone() { return !!(phoneQuery && phoneQuery.matches); }
    function visiblePanel() { return one("[data-view-panel]:not([hidden])", map); }
    function sizeUp() {
      var panel = visiblePanel();
      paths.forEach(function (p) {
        if (panelOf(p) !== panel) { return; }
        var r = p.getBoundingClientRect();
        var small = isPhone() && (r.width < MIN || r.height < MIN);
        if (small) { p.setAttribute("data-small", ""); } else { p.removeAttribute("data-small"); }
      });
    }
    function renderPicker() {
      if (!pickerButtons) { return; }
      pickerButtons.textContent = "";
      picked.forEach(function (key) {
        var b = doc.createElement("button");
        var s = state(key);
        b.type = "button";
        b.className = "picker-area";
        b.setAttribute("aria-pressed", s.on ? "true" : "false");
        if (s.on) { b.setAttribute("data-intensity", String(s.intensity)); }
        b.setAttribute("data-key", key);
        b.textContent = labelOf(key) + ": " + describe(key);
        b.addEventListener("click", function () { cycle(key); renderPicker(); });
        pickerButtons.appendChild(b);
      });
    }
    function closePicker() {
      if (!picker) { return; }
      picker.hidden = true;
      picked = [];
      paths.forEach(function (p) { p.classList.remove("is-candidate"); });
    }
    function inside(p, x, y) {
      try {
        var m = p.getScreenCTM();
        var svg = p.ownerSVGElement;
        if (!m || !svg || !p.isPointInFill) { return false; }
        var pt = svg.createSVGPoint();
        pt.x = x;
        pt.y = y;
        return p.isPointInFill(pt.matrixTransform(m.inverse()));
      } catch (e) { return false; }
    }
    function openPicker(x, y) {
      var panel = visiblePanel();
      if (!picker || !panel) { return; }
      var near = [];
      paths.forEach(function (p) {
        if (panelOf(p) !== panel) { return; }
        var r = p.getBoundingClientRect();
        var dx = Math.max(r.left - x, 0, x - r.right);
        var dy = Math.max(r.top - y, 0, y - r.bottom);
        var d = Math.sqrt(dx * dx + dy * dy);
        if (d === 0 && inside(p, x, y)) { d = -1; }  /* the area under the finger comes first */
        if (d <= MIN * 0.6) { near.push({ p: p, d: d }); }
      });
      near.sort(function (a, b) { return a.d - b.d; });
      var keys = [];
      near.forEach(function (n) {
        var k = keyOf(n.p);
        if (keys.indexOf(k) === -1 && keys.length < 6) { keys.push(k); }
      });
      if (!keys.length) { closePicker(); return; }
      picked = keys;
      paths.forEach(function (p) { p.classList.toggle("is-candidate", panelOf(p) === panel && keys.indexOf(keyOf(p)) !== -1); });
      renderPicker();
      picker.hidden = false;
      /* keep the tapped spot in sight above the picker */
      var free = window.innerHeight - picker.offsetHeight;
      if (y > free - 24) { window.scrollBy(0, y - free / 2); }
    }
    if (picker) {
      /* the browser may move a tap onto a nearby big area (touch adjustment): where the finger
         went down decides, and only an area big enough to hit takes the tap itself */
      var down = null;
      all("[data-view-panel] svg", map).forEach(function (svg) {
        svg.addEventListener("pointerdown", function (ev) {
          down = { x: ev.clientX, y: ev.clientY, t: Date.now() };
        }, true);
        svg.addEventListener("click", function (ev) {
          if (!isPhone()) { return; }
          var x = ev.clientX;
          var y = ev.clientY;
          if (down && Date.now() - down.t < 2000) { x = down.x; y = down.y; }
          down = null;
          var hit = doc.elementFromPoint(x, y);
          var direct = hit && hit.closest ? hit.closest("[data-region]:not([data-small])") : null;
          var target = ev.target && ev.target.closest ? ev.target.closest("[data-region]") : null;
          if (direct && paths.indexOf(direct) !== -1) {
            if (direct !== target) { ev.preventDefault(); ev.stopPropagation(); cycle(keyOf(direct)); }
            return;  /* the area's own listener marks it */
          }
          ev.preventDefault();
          ev.stopPropagation();
          openPicker(x, y);
        }, true);
      });
      var pickerClose = one("[data-picker-close]", picker);
      if (pickerClose) { pickerClose.addEventListener("click", closePicker); }
      form.addEventListener("change", renderPicker);
    }
    window.addEventListener("resize", sizeUp);

    var clearBtn = one("[data-clear-map]", map);
    if (clearBtn) {
      clearBtn.addEventListener("click", function () {
        Object.keys(boxes).forEach(function (k) { boxes[k].checked = false; });
        paint();
      });
    }
    /* view tabs */
    var tabs = all(".view-tab", map);
    function show(v) {
      tabs.forEach(function (t) { t.setAttribute("aria-pressed", t.getAttribute("data-view") === v ? "true" : "false"); });
      all("[data-view-panel]", map).forEach(function (panel) {
        panel.hidden = panel.getAttribute("data-view-panel") !== v;
      });
      closePicker();
      sizeUp();
    }
    tabs.forEach(function (tab) {
      tab.addEventListener("click", function () { show(tab.getAttribute("data-view")); });
    });
    /* on a phone the Back view opens on its close-up, where every area is finger-sized */
    var phoneView = map.getAttribute("data-phone-view");
    var shown = visiblePanel();
    if (isPhone() && phoneView && shown && shown.getAttribute("data-view-panel") === "back"
        && one("[data-view-panel='" + phoneView + "']", map)) {
      show(phoneView);
    } else {
      sizeUp();
    }
    paint();
  }

  /* ------------------------------------------------------------------------ others */
  function initPrint() {
    all("[data-print]").forEach(function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () { window.print(); });
    });
    window.addEventListener("beforeprint", function () {
      all("details").forEach(function (d) {
        if (!d.open) { d.open = true; d.setAttribute("data-print-opened", ""); }
      });
    });
    window.addEventListener("afterprint", function () {
      all("details[data-print-opened]").forEach(function (d) { d.open = false; d.removeAttribute("data-print-opened"); });
    });
  }

  function fold(s) {
    return (s || "").toLocaleLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "");
  }

  function initFilter() {
    all("[data-filter-list]").forEach(function (input) {
      var list = doc.getElementById(input.getAttribute("data-filter-list"));
      var count = one("[data-count]");
      if (!list) { return; }
      input.addEventListener("input", function () {
        var q = fold(input.value.trim());
        var n = 0;
        all("li", list).forEach(function (li) {
          var show = !q || (li.getAttribute("data-search") || "").indexOf(q) !== -1;
          li.hidden = !show;
          if (show) { n += 1; }
        });
        if (count) {
          count.textContent = n === 1 ? count.dataset.countOne : count.dataset.countMany.replace("{n}", n);
        }
      });
    });
  }

  /* ---------------------------------------------------------------- diary */
  function initToday() {
    /* the server's "today" may be another day than the person's: use the device's date */
    all("input[data-today]").forEach(function (input) {
      if (input.value !== input.getAttribute("data-today")) { return; }
      var d = new Date();
      var iso = d.getFullYear() + "-" + ("0" + (d.getMonth() + 1)).slice(-2) + "-" + ("0" + d.getDate()).slice(-2);
      input.value = iso;
    });
  }

  function initErrors() {
    var box = one("#form-errors");
    if (box) { box.focus(); }
  }

  function init() {
    initSafety();
    initBodyMap();
    initPrint();
    initFilter();
    initToday();
    initErrors();
  }
  if (doc.readyState === "loading") { doc.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
