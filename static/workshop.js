// The trainer's dashboard refreshes its figures every few seconds without reloading the page.
// Without JavaScript, the "Refresh" link does the same.
(function () {
  "use strict";
  var live = document.getElementById("live");
  var status = document.getElementById("live-status");
  if (!live || !window.fetch) {
    return;
  }
  document.documentElement.classList.add("js");
  var url = live.getAttribute("data-live-url");
  var every = 5000;

  function schedule() {
    window.setTimeout(refresh, every);
  }

  function refresh() {
    if (document.hidden) {
      schedule();
      return;
    }
    fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        // Keep what the trainer opened and where the focus was.
        var open = Array.prototype.map.call(live.querySelectorAll("details[open]"), function (d) {
          return d.id;
        });
        var focused = document.activeElement && live.contains(document.activeElement)
          ? document.activeElement.id : null;
        live.innerHTML = html;
        open.forEach(function (id) {
          var d = id && document.getElementById(id);
          if (d) { d.open = true; }
        });
        if (focused && document.getElementById(focused)) {
          document.getElementById(focused).focus();
        }
        status.textContent = "";
      })
      .catch(function () {
        status.textContent = status.getAttribute("data-offline");
      })
      .then(schedule);
  }

  schedule();
})();
