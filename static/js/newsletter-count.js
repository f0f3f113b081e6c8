// Live recipient count in the newsletter composer. Without JavaScript the "Count recipients"
// button re-renders the form with the count; this only asks the same question as the audience
// choice changes (topics, languages, segment), without a reload.
(function () {
  "use strict";
  var form = document.getElementById("issue-form");
  var out = document.getElementById("recipient-count");
  if (!form || !out || !window.fetch || !window.URLSearchParams) { return; }
  var url = form.getAttribute("data-count-url");
  var asked = 0;
  function ask() {
    var params = new URLSearchParams();
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name !== "topics" && el.name !== "languages" && el.name !== "segment") { return; }
      if ((el.type === "checkbox" || el.type === "radio") && !el.checked) { return; }
      params.append(el.name, el.value);
    });
    var mine = ++asked;
    fetch(url + "?" + params.toString(), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (!state || mine !== asked) { return; }
        out.textContent = "";
        var strong = document.createElement("strong");
        strong.textContent = state.message;
        out.appendChild(strong);
      })
      .catch(function () { /* the button still works */ });
  }
  form.addEventListener("change", function (event) {
    var name = event.target && event.target.name;
    if (name === "topics" || name === "languages" || name === "segment") { ask(); }
  });
  ask();
})();
