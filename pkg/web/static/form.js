// Progressive enhancement of the team form (registration or statement of
// interest): add and remove member rows in place (without it the buttons
// post the form and the page comes back with one row more or less), count
// the characters of the statement's answers as they are typed (the server
// checks the bounds either way), move focus to the error summary, and
// ignore a second click on the submit button. Plain ES5, no inline code
// (CSP).
(function () {
  "use strict";
  document.documentElement.className = "js";
  // After the load, when the browser has scrolled to the form's #register
  // anchor (which would otherwise take the focus back).
  // The person form of an event for individuals has its own summary.
  var summary = document.getElementById("error-summary") || document.getElementById("person-error-summary");
  if (summary) {
    window.addEventListener("load", function () { setTimeout(function () { summary.focus(); }, 0); });
  }

  var form = document.querySelector("form.team-form");
  if (!form) { return; }

  // Character counters. The visible count updates at once and is the
  // field's description; a screen reader hears it in a live region only
  // once typing pauses, not at every key.
  function chars(s) {
    // As the server counts: trimmed, one per code point.
    return s.replace(/^\s+|\s+$/g, "").replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, "_").length;
  }
  function number(n) { return n.toLocaleString("en-US"); }
  function counter(area) {
    var min = parseInt(area.getAttribute("data-min"), 10) || 0;
    var max = parseInt(area.getAttribute("data-max"), 10) || 0;
    var count = document.getElementById(area.id + "-count");
    if (!count || !max) { return; }
    var live = document.createElement("p");
    live.className = "visually-hidden";
    live.setAttribute("aria-live", "polite");
    count.parentNode.insertBefore(live, count.nextSibling);
    var timer = null;
    function update(announce) {
      var n = chars(area.value), text;
      if (n === 0) {
        text = "Between " + number(min) + " and " + number(max) + " characters.";
      } else if (n > max) {
        text = number(n - max) + (n - max === 1 ? " character" : " characters") + " too many (at most " + number(max) + ")";
      } else if (n < min) {
        text = number(n) + (n === 1 ? " character" : " characters") + ": at least " + number(min) + " needed";
      } else {
        text = number(max - n) + (max - n === 1 ? " character" : " characters") + " left";
      }
      count.textContent = text;
      count.classList.toggle("over", n > max);
      clearTimeout(timer);
      if (announce) { timer = setTimeout(function () { live.textContent = text; }, 1000); }
    }
    area.addEventListener("input", function () { update(true); });
    update(false);
  }
  var areas = form.querySelectorAll("textarea[data-max]");
  for (var a = 0; a < areas.length; a++) { counter(areas[a]); }
  var list = form.querySelector(".member-rows");
  var fieldset = form.querySelector("fieldset.members");
  var max = parseInt(fieldset.getAttribute("data-max"), 10) || 100;

  function rows() { return list.querySelectorAll(".member-row"); }

  function addButton() { return form.querySelector("button.add"); }

  // renumber gives every row its position: legend, ids, labels, buttons.
  function renumber() {
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      var row = all[i];
      row.querySelector("legend").textContent = "Member " + (i + 1);
      renumberQuestions(row, i);
      var controls = row.querySelectorAll("input:not([data-q]), select:not([data-q])");
      for (var j = 0; j < controls.length; j++) {
        var c = controls[j];
        var field = c.name.replace("member_", "");
        var id = "member-" + i + "-" + field;
        var label = row.querySelector("label[for='" + c.id + "']");
        c.id = id;
        if (label) { label.htmlFor = id; }
      }
      var remove = row.querySelector("button.remove");
      if (!remove) {
        remove = document.createElement("button");
        remove.type = "submit";
        remove.name = "op";
        remove.className = "secondary remove";
        row.querySelector("fieldset").appendChild(remove);
      }
      remove.value = "remove-" + i;
      remove.textContent = "Remove member " + (i + 1);
      remove.hidden = all.length < 2;
    }
    var add = addButton();
    if (add) { add.hidden = all.length >= max; }
  }

  // renumberQuestions gives the event's questions in a member row the
  // row's ids and names (m<i>.<question>): each carries data-q, an option
  // data-opt, a hint or error data-part, and a control data-d, the parts
  // that describe it.
  function renumberQuestions(row, i) {
    var els = row.querySelectorAll("[data-q]");
    for (var k = 0; k < els.length; k++) {
      var el = els[k], q = el.getAttribute("data-q"), base = "member-" + i + "-q-" + q;
      var part = el.getAttribute("data-part"), opt = el.getAttribute("data-opt");
      if (part) { el.id = base + "-" + part; continue; }
      var id = base + (opt && opt !== "0" && opt !== "-1" ? "-" + opt : "");
      if (el.tagName === "LABEL") { el.htmlFor = id; continue; }
      if (el.tagName !== "FIELDSET") { el.id = id; el.name = "m" + i + "." + q; }
      if (el.hasAttribute("data-d")) {
        var ids = [], parts = el.getAttribute("data-d").split(" ");
        for (var p = 0; p < parts.length; p++) {
          if (parts[p] && row.querySelector("[data-q='" + q + "'][data-part='" + parts[p] + "']")) { ids.push(base + "-" + parts[p]); }
        }
        if (ids.length) { el.setAttribute("aria-describedby", ids.join(" ")); } else { el.removeAttribute("aria-describedby"); }
      }
    }
  }

  function clearRow(row) {
    var errors = row.querySelectorAll(".field-error");
    for (var i = 0; i < errors.length; i++) { errors[i].parentNode.removeChild(errors[i]); }
    var fields = row.querySelectorAll(".has-error");
    for (var k = 0; k < fields.length; k++) { fields[k].classList.remove("has-error"); }
    var controls = row.querySelectorAll("input, select, textarea");
    for (var j = 0; j < controls.length; j++) {
      var c = controls[j];
      if (c.type === "checkbox" || c.type === "radio") { c.checked = false; } else { c.value = ""; }
      c.removeAttribute("aria-invalid");
      if (!c.hasAttribute("data-d")) { c.removeAttribute("aria-describedby"); }
    }
  }

  form.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest("button") : null;
    if (!b || b.name !== "op") { return; }
    if (b.value === "add") {
      ev.preventDefault();
      var all = rows();
      if (all.length >= max) { return; }
      var row = all[all.length - 1].cloneNode(true);
      clearRow(row);
      list.appendChild(row);
      renumber();
      row.querySelector("input").focus();
    } else if (b.value.indexOf("remove-") === 0) {
      ev.preventDefault();
      var current = rows();
      if (current.length < 2) { return; }
      var i = parseInt(b.value.slice(7), 10);
      current[i].parentNode.removeChild(current[i]);
      renumber();
      var next = rows()[Math.min(i, rows().length - 1)];
      next.querySelector("input").focus();
    }
  });

  // A second submit while the first is on its way is ignored; the server
  // would register the team once anyway (the form's idempotency key).
  var sending = false;
  form.addEventListener("submit", function (ev) {
    var b = ev.submitter;
    if (b && b.value !== "submit") { return; }
    if (sending) { ev.preventDefault(); return; }
    sending = true;
    var primary = form.querySelector("button.primary");
    if (primary) { primary.setAttribute("aria-disabled", "true"); primary.textContent = "Sending…"; }
  });
})();
