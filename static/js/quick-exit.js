// Quick exit on the help pages: leave at once and replace this page in the history, so the Back
// button does not bring it back. Without JavaScript the link still leaves the site.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  link.addEventListener("click", function (event) {
    event.preventDefault();
    window.location.replace(link.href);
  });
}());
