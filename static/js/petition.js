// Enhancement only: the page is complete without it. Shows signing times in the visitor's own
// time zone. Polls the count API every 30 s and updates the number, the progress bar and the
// share of the goal; stops polling while the tab is hidden.
(function () {
  "use strict";
  // Without a script, the form posts to "#sign" so that a page with errors opens at the form.
  // With one, the script moves focus to the first error instead; scrolling to "#sign" would
  // then take that focus away again (Chromium clears it), so the form posts without it.
  var signForm = document.getElementById("sign-form");
  if (signForm) { signForm.setAttribute("action", signForm.getAttribute("action").split("#")[0]); }
  // Signing times are written in UTC by the server; the visitor reads them in their own time.
  var local = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
                                      { dateStyle: "short", timeStyle: "short" });
  Array.prototype.forEach.call(document.querySelectorAll(".recent-list time[datetime]"),
    function (time) {
      var when = new Date(time.getAttribute("datetime"));
      var shown = time.querySelector("bdi") || time;
      if (!isNaN(when.getTime())) { shown.textContent = local.format(when); }
    });
  var article = document.querySelector("[data-count-url]");
  var number = document.getElementById("count-number");
  if (!article || !number || !window.fetch) { return; }
  var url = article.getAttribute("data-count-url");
  var progress = document.getElementById("goal-progress");
  var format = new Intl.NumberFormat(document.documentElement.lang || undefined);
  var percent = new Intl.NumberFormat(document.documentElement.lang || undefined,
                                      { style: "percent", maximumFractionDigits: 1 });
  var goalLabel = document.getElementById("goal-label");
  var etag = null;

  function update() {
    if (document.hidden) { return; }
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(url, { headers: headers, credentials: "omit" }).then(function (response) {
      if (response.status !== 200) { return null; }
      etag = response.headers.get("ETag");
      return response.json();
    }).then(function (data) {
      if (!data || typeof data.count !== "number") { return; }
      if (String(data.count) !== number.getAttribute("data-count")) {
        number.setAttribute("data-count", String(data.count));
        number.textContent = format.format(data.count);
        if (progress) { progress.value = Math.min(data.count, data.goal); }
        // The sentence comes translated from the page, with {percent} to fill in.
        if (goalLabel && goalLabel.getAttribute("data-pattern") && data.goal > 0) {
          goalLabel.textContent = goalLabel.getAttribute("data-pattern").replace(
            "{percent}", percent.format(Math.min(1, data.count / data.goal)));
        }
      }
    }).catch(function () { /* offline: keep the last number */ });
  }

  window.setInterval(update, 30000);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) { update(); } });

  // After a failed submission, take keyboard and screen-reader users to the first error.
  var errors = document.getElementById("form-errors");
  if (errors) {
    var firstInvalid = document.querySelector("#sign-form [aria-invalid='true']");
    (firstInvalid || errors).focus();
  }
})();
