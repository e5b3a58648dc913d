// Progressive enhancement of the team form: add and remove member rows in
// place (without it the buttons post the form and the page comes back with
// one row more or less), move focus to the error summary, and ignore a
// second click on the submit button. Plain ES5, no inline code (CSP).
(function () {
  "use strict";
  document.documentElement.className = "js";
  // After the load, when the browser has scrolled to the form's #register
  // anchor (which would otherwise take the focus back).
  var summary = document.getElementById("error-summary");
  if (summary) {
    window.addEventListener("load", function () { setTimeout(function () { summary.focus(); }, 0); });
  }

  var form = document.querySelector("form.team-form");
  if (!form) { return; }
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
      var controls = row.querySelectorAll("input, select");
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

  function clearRow(row) {
    var errors = row.querySelectorAll(".field-error");
    for (var i = 0; i < errors.length; i++) { errors[i].parentNode.removeChild(errors[i]); }
    var fields = row.querySelectorAll(".has-error");
    for (var k = 0; k < fields.length; k++) { fields[k].classList.remove("has-error"); }
    var controls = row.querySelectorAll("input, select");
    for (var j = 0; j < controls.length; j++) {
      controls[j].value = "";
      controls[j].removeAttribute("aria-invalid");
      controls[j].removeAttribute("aria-describedby");
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
    if (b && b.value !== "register") { return; }
    if (sending) { ev.preventDefault(); return; }
    sending = true;
    var primary = form.querySelector("button.primary");
    if (primary) { primary.setAttribute("aria-disabled", "true"); primary.textContent = "Sending…"; }
  });
})();
