// Refresh the dashboard's live part every few seconds, unless the operator is typing in it.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live) { return; }
  var seconds = parseInt(live.getAttribute("data-refresh"), 10) || 5;
  function busy() {
    var active = document.activeElement;
    return active && live.contains(active) && active.tagName === "INPUT" && active.value;
  }
  function refresh() {
    if (document.hidden || busy()) { return; }
    fetch("/ops/live", { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (response.status === 401) { window.location.reload(); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null && html !== undefined && !busy()) { live.innerHTML = html; } })
      .catch(function () { /* the next round tries again */ });
  }
  window.setInterval(refresh, seconds * 1000);
})();
