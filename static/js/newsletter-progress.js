// Live progress of a newsletter send: polls the JSON endpoint. The page works without it
// (a plain "Refresh" link); this only saves the reload.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box || !box.hasAttribute("data-live")) { return; }
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("[data-bar]");
  function update(state) {
    ["sent", "failed", "pending", "skipped", "rate", "seconds_left"].forEach(function (key) {
      var cell = box.querySelector('[data-field="' + key + '"]');
      if (cell) { cell.textContent = state[key] === null ? "—" : String(state[key]); }
    });
    if (bar) {
      bar.max = state.total || 1;
      bar.value = state.sent + state.failed + state.skipped;
    }
    return state.status === "sending";
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) {
        if (state && update(state)) { window.setTimeout(poll, 2000); }
        else if (state) { window.location.reload(); }
      })
      .catch(function () { window.setTimeout(poll, 10000); });
  }
  window.setTimeout(poll, 2000);
})();
