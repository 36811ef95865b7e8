/* report.html's timeline (docs/plots.md, "Timeline"): vanilla JS, reads the JSON in #tl-data, draws lanes on a
 * canvas and rebalances / faults as buttons (so they are keyboard reachable and testable through the DOM). */
(function () {
  "use strict";
  var started = performance.now();
  var D = JSON.parse(document.getElementById("tl-data").textContent);
  var COLOURS = ["#009E73", "#DDDDDD", "#F0E442", "#D55E00", "#000000", "#E69F00", "#56B4E9", "#0072B2",
                 "#CC79A7", "#CC79A7", "#000000", "#999999"];
  var HOLLOW = {9: true, 10: true};
  var LABEL_W = 180, LANE_H = 11, GROUP_H = 16;
  var root = document.getElementById("tl"), scroll = document.getElementById("tl-scroll");
  var body = document.getElementById("tl-body"), canvas = document.getElementById("tl-canvas");
  var detail = document.getElementById("tl-detail"), logbox = document.getElementById("tl-log");
  var faultsBox = document.getElementById("tl-faults"), range = document.getElementById("tl-range");
  var view = {t0: 0, t1: D.duration || 1};
  var rows = [], rbButtons = [], faultButtons = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function clock(t) {
    var ms = Math.round(t * 1000), h = Math.floor(ms / 3600000), m = Math.floor(ms / 60000) % 60;
    var s = Math.floor(ms / 1000) % 60, r = ms % 1000;
    function p(n, w) { n = String(n); while (n.length < w) n = "0" + n; return n; }
    return p(h, 2) + ":" + p(m, 2) + ":" + p(s, 2) + "." + p(r, 3);
  }

  /* layout: a header row per group (its rebalance marks), then a row per member lane */
  var y = 0;
  D.groups.forEach(function (g, gi) {
    rows.push({y: y, h: GROUP_H, group: gi, label: g.name});
    g.y = y;
    y += GROUP_H;
    var num = function (n) { return +n.slice(n.lastIndexOf("/") + 1); };
    Object.keys(g.lanes).sort(function (a, b) { return num(a) - num(b); }).forEach(function (name) {
      rows.push({y: y, h: LANE_H, label: name, segs: g.lanes[name]});
      y += LANE_H;
    });
  });
  var height = y + 2;

  D.states.forEach(function (name, i) {
    var item = el("span"), sw = el("i");
    sw.style.background = HOLLOW[i] ? "transparent" : COLOURS[i];
    sw.style.borderColor = COLOURS[i];
    item.appendChild(sw);
    item.appendChild(document.createTextNode(name));
    document.getElementById("tl-legend").appendChild(item);
  });

  D.rebalances.forEach(function (rb, i) {
    var b = el("button", "tl-rb");
    b.type = "button";
    b.dataset.index = i;
    b.setAttribute("aria-label", D.groups[rb.group].name + " rebalance " + rb.number + " at " + clock(rb.t0));
    b.addEventListener("mouseenter", function () { showRebalance(i); });
    b.addEventListener("focus", function () { showRebalance(i); });
    b.addEventListener("click", function (ev) { ev.stopPropagation(); showRebalance(i); showLog(rb.t0); });
    body.appendChild(b);
    rbButtons.push(b);
  });
  D.faults.forEach(function (f, i) {
    var b = el("button", "tl-fault", f.label);
    b.type = "button";
    b.dataset.index = i;
    b.title = f.kind + " " + clock(f.t0) + (f.t1 > f.t0 ? " to " + clock(f.t1) : "");
    b.addEventListener("click", function () { selectFault(i); });
    faultsBox.appendChild(b);
    faultButtons.push(b);
  });

  function x(t, w) { return (t - view.t0) / (view.t1 - view.t0) * w; }

  function draw() {
    var w = Math.max(200, root.clientWidth - LABEL_W - 24), dpr = window.devicePixelRatio || 1;
    canvas.width = (w + LABEL_W) * dpr;
    canvas.height = height * dpr;
    canvas.style.width = (w + LABEL_W) + "px";
    canvas.style.height = height + "px";
    body.style.height = height + "px";
    var c = canvas.getContext("2d");
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.clearRect(0, 0, w + LABEL_W, height);
    c.font = "11px system-ui, sans-serif";
    c.textBaseline = "middle";
    var top = scroll.scrollTop, bottom = top + scroll.clientHeight + 50;
    rows.forEach(function (r) {
      if (r.y + r.h < top - 50 || r.y > bottom) return; /* only what is in view: fast at 200 groups */
      c.fillStyle = r.segs ? "#555" : "#000";
      c.save();
      c.beginPath();
      c.rect(0, r.y, LABEL_W - 6, r.h);
      c.clip();
      c.fillText(r.label, r.segs ? 10 : 2, r.y + r.h / 2);
      c.restore();
      if (!r.segs) {
        c.fillStyle = "#f0f0f0";
        c.fillRect(LABEL_W, r.y + 1, w, r.h - 2);
        return;
      }
      r.segs.forEach(function (s) {
        var a = s[0] / 1000, b = s[1] / 1000;
        if (b < view.t0 || a > view.t1) return;
        var x0 = LABEL_W + Math.max(0, x(a, w)), x1 = LABEL_W + Math.min(w, x(b, w));
        var wd = Math.max(1, x1 - x0);
        if (HOLLOW[s[2]]) {
          c.strokeStyle = COLOURS[s[2]];
          c.lineWidth = 1.5;
          c.strokeRect(x0 + 0.75, r.y + 1.75, Math.max(0.5, wd - 1.5), r.h - 3.5);
        } else {
          c.fillStyle = COLOURS[s[2]];
          c.fillRect(x0, r.y + 1, wd, r.h - 2);
        }
      });
    });
    rbButtons.forEach(function (b, i) {
      var rb = D.rebalances[i], g = D.groups[rb.group];
      var on = rb.t1 >= view.t0 && rb.t0 <= view.t1;
      b.style.display = on ? "" : "none";
      if (!on) return;
      var x0 = Math.max(0, x(rb.t0, w)), x1 = Math.min(w, x(rb.t1, w));
      b.style.left = (LABEL_W + x0) + "px";
      b.style.width = Math.max(4, x1 - x0) + "px"; /* a minimum width: visible at every zoom */
      b.style.top = (g.y + 2) + "px";
    });
    faultsBox.style.width = w + "px";
    var rowEnd = [];
    faultButtons.forEach(function (b, i) {
      var f = D.faults[i], on = f.t1 >= view.t0 && f.t0 <= view.t1;
      b.style.display = on ? "" : "none";
      if (!on) return;
      var x0 = x(f.t0, w), x1 = x(f.t1, w), label = b.textContent.length * 6.5 + 12;
      var row = 0; /* stack labels in rows so none overlaps another */
      while (rowEnd[row] !== undefined && rowEnd[row] > x0) row++;
      rowEnd[row] = Math.max(x0 + label, x1);
      b.style.left = x0 + "px";
      b.style.width = Math.max(3, x1 - x0) + "px";
      b.style.top = (row * 1.25) + "rem";
    });
    faultsBox.style.height = (Math.max(1, rowEnd.length) * 1.25) + "rem";
    range.textContent = clock(view.t0) + " to " + clock(view.t1);
  }

  function zoom(factor, at) {
    var span = view.t1 - view.t0, full = D.duration || 1;
    if (at === undefined) at = view.t0 + span / 2;
    var ns = Math.min(full, Math.max(0.05, span * factor));
    var t0 = at - (at - view.t0) * ns / span;
    view.t0 = Math.max(0, Math.min(full - ns, t0));
    view.t1 = view.t0 + ns;
    draw();
  }
  function pan(fraction) {
    var span = view.t1 - view.t0, full = D.duration || 1;
    view.t0 = Math.max(0, Math.min(full - span, view.t0 + span * fraction));
    view.t1 = view.t0 + span;
    draw();
  }

  function showRebalance(i) {
    var rb = D.rebalances[i];
    detail.textContent = "";
    var h = el("strong", null, D.groups[rb.group].name + " rebalance " + rb.number + " at " + clock(rb.t0) +
               (rb.generation >= 0 ? " \u2192 generation " + rb.generation : "") + ". Root: " + rb.root);
    detail.appendChild(h);
    var ol = el("ol", "tl-chain");
    rb.chain.forEach(function (line) { ol.appendChild(el("li", null, line)); });
    detail.appendChild(ol);
    detail.appendChild(el("div", "tl-signal", "First signal: " + (rb.signal || "none in log.txt")));
  }

  function selectFault(i) {
    var f = D.faults[i], n = 0;
    faultButtons.forEach(function (b, k) { b.classList.toggle("sel", k === i); });
    rbButtons.forEach(function (b, k) {
      var hit = D.rebalances[k].root_seq === f.seq;
      b.classList.toggle("hit", hit);
      n += hit ? 1 : 0;
    });
    detail.textContent = "";
    detail.appendChild(el("strong", null, f.label + " at " + clock(f.t0) + ": caused " + n + " rebalance" +
                          (n === 1 ? "" : "s") + " (highlighted)."));
    if (f.impact) {
      var d = f.impact.delta || {}, parts = [];
      Object.keys(d).forEach(function (k) {
        var v = d[k];
        if (typeof v === "number") parts.push(k + " " + (v > 0 ? "+" : "") + v);
        else if (v && typeof v === "object") Object.keys(v).forEach(function (kk) {
          var vv = v[kk];
          if (typeof vv === "number") parts.push(k + "." + kk + " " + (vv > 0 ? "+" : "") + vv);
          else if (vv && typeof vv === "object") Object.keys(vv).forEach(function (m) {
            parts.push(k + "." + kk + "." + m + " " + (vv[m] > 0 ? "+" : "") + vv[m]);
          });
        });
      });
      detail.appendChild(el("div", "tl-impact", "Counterfactual impact (this run minus the run without it): " +
                            (f.impact.verdict || "") + (parts.length ? "; " + parts.join(", ") : "")));
    }
    showLog(f.t0);
  }

  function showLog(t) {
    var lo = (t - 5) * 1000, hi = (t + 5) * 1000, lines = [];
    for (var i = 0; i < D.log.length; i++) {
      if (D.log[i][0] > hi) break;
      if (D.log[i][0] >= lo) lines.push(D.log[i][1]);
    }
    logbox.textContent = "log.txt within 5 s of " + clock(t) + (D.log.length < D.log_total ?
      " (the page holds the first " + D.log.length + " of " + D.log_total + " lines)" : "") + ":\n" +
      (lines.length ? lines.join("\n") : "(nothing logged)");
  }

  document.getElementById("tl-in").addEventListener("click", function () { zoom(0.5); });
  document.getElementById("tl-out").addEventListener("click", function () { zoom(2); });
  document.getElementById("tl-all").addEventListener("click", function () { view.t0 = 0; view.t1 = D.duration || 1; draw(); });
  root.addEventListener("keydown", function (ev) {
    if (ev.target.tagName === "BUTTON" && (ev.key === "Enter" || ev.key === " ")) return;
    var k = ev.key, done = true;
    if (k === "+" || k === "=") zoom(0.5);
    else if (k === "-") zoom(2);
    else if (k === "ArrowLeft") pan(-0.2);
    else if (k === "ArrowRight") pan(0.2);
    else if (k === "0") { view.t0 = 0; view.t1 = D.duration || 1; draw(); }
    else done = false;
    if (done) ev.preventDefault();
  });
  var tAt = function (clientX) {
    var r = canvas.getBoundingClientRect(), w = r.width - LABEL_W;
    return view.t0 + (clientX - r.left - LABEL_W) / w * (view.t1 - view.t0);
  };
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    zoom(ev.deltaY > 0 ? 1.25 : 0.8, tAt(ev.clientX));
  }, {passive: false});
  var drag = null;
  canvas.addEventListener("mousedown", function (ev) { drag = {x: ev.clientX, t0: view.t0, moved: false}; });
  window.addEventListener("mousemove", function (ev) {
    if (!drag) return;
    var r = canvas.getBoundingClientRect(), span = view.t1 - view.t0, full = D.duration || 1;
    var dt = (ev.clientX - drag.x) / (r.width - LABEL_W) * span;
    if (Math.abs(ev.clientX - drag.x) > 3) drag.moved = true;
    view.t0 = Math.max(0, Math.min(full - span, drag.t0 - dt));
    view.t1 = view.t0 + span;
    draw();
  });
  window.addEventListener("mouseup", function (ev) {
    if (drag && !drag.moved && ev.target === canvas) {
      var t = tAt(ev.clientX);
      if (t >= 0) showLog(t);
    }
    drag = null;
  });
  scroll.addEventListener("scroll", draw);
  window.addEventListener("resize", draw);
  draw();
  root.dataset.renderMs = (performance.now() - started).toFixed(1);
  root.dataset.ready = "1";
})();
