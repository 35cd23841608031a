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
  // A form with 查找 inside it (登记问题, 登记参会企业家): Enter in the search box finds, Enter
  // in any other box sends the form, as the form's own button would. Without script, Enter
  // finds, which keeps everything typed. An Enter that confirms an input method's candidate
  // (Chinese typing) does neither.
  function enterKeys() {
    document.querySelectorAll("form").forEach(function (form) {
      var find = form.querySelector("button[name=find]");
      if (!find) return;
      var others = form.querySelectorAll("button[type=submit]:not([name=find])");
      var send = form.querySelector("button.primary") || others[others.length - 1];
      form.addEventListener("keydown", function (e) {
        if (e.key !== "Enter" || e.isComposing || e.keyCode === 229) return;
        var t = e.target;
        if (!t || t.tagName !== "INPUT") return;
        var button = t.name === "enterprise_q" ? find : send;
        if (!button) return;
        e.preventDefault();
        button.click();
      });
    });
  }
  // 类似问题已有答复: while an entrepreneur types a new issue, the closest 政策问答 are
  // fetched as a piece of page (the server renders and escapes it) and shown under the form.
  // 相似问题 likewise while a coordinator registers one (登记问题).
  function similarAnswers() {
    var box = document.getElementById("similar_answers");
    var url = "/knowledge/closest?text=";
    if (!box) {
      box = document.getElementById("similar_issues");
      url = "/issues/similar-to?text=";
    }
    var title = document.getElementById("title");
    var desc = document.getElementById("description");
    if (!box || !title || !desc || !window.fetch) return;
    var timer = null;
    var asked = "";
    function ask() {
      var text = (title.value + " " + desc.value).trim();
      if (text.length < 2 || text === asked) return;
      asked = text;
      fetch(url + encodeURIComponent(text.slice(0, 500)), {
        credentials: "same-origin",
        headers: { Accept: "text/html" }
      })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html !== null && asked === text) box.innerHTML = html;
        })
        .catch(function () {});
    }
    [title, desc].forEach(function (f) {
      f.addEventListener("input", function () {
        clearTimeout(timer);
        timer = setTimeout(ask, 500);
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    similarAnswers();
    periodFields();
    printButton();
    openWide();
    enterKeys();
  });
})();
