// Enhancement only: a copy button for the share link. Without JavaScript the link stays
// in a read-only text field that can be selected and copied by hand.
(function () {
  "use strict";
  document.querySelectorAll(".copy-button").forEach(function (button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source || !navigator.clipboard) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value).then(function () {
        button.textContent = button.getAttribute("data-done");
      }, function () {
        source.select();
      });
    });
  });
})();
