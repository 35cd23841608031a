// A little help where script runs; every page works without it.
(function () {
  "use strict";
  // The period selector: show the fields the chosen kind of period uses.
  function periodFields() {
    var form = document.querySelector("fieldset.period");
    if (!form) return;
    var show = function () {
      var kind = (form.querySelector("input[name=period]:checked") || {}).value || "year";
      var want = { year: ["year"], month: ["year", "month"], custom: ["from", "to"] }[kind] || [];
      ["year", "month", "from", "to"].forEach(function (name) {
        var input = form.querySelector("[name=" + name + "]");
        if (!input) return;
        var on = want.indexOf(name) >= 0;
        input.closest(".field").hidden = !on;
        input.disabled = !on;
      });
    };
    form.addEventListener("change", show);
    show();
  }
  // The printed report: a button that prints.
  function printButton() {
    var b = document.querySelector(".print-button");
    if (!b) return;
    b.hidden = false;
    b.addEventListener("click", function () { window.print(); });
  }
  // Filters folded behind 筛选 on a phone stand open on a wide screen.
  function openWide() {
    if (!window.matchMedia("(min-width: 700px)").matches) return;
    document.querySelectorAll("details[data-open-wide]").forEach(function (d) {
      d.open = true;
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    periodFields();
    printButton();
    openWide();
  });
})();
