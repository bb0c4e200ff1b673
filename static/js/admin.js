// Keeps job progress bars current: polls the JSON endpoint named by a table's data-poll while
// any job shown is queued or running, and reloads the page when one finishes (for its links).
(function () {
  "use strict";
  var table = document.querySelector("table.jobs[data-poll]");
  if (!table) { return; }
  function active() {
    return table.querySelectorAll('tr[data-job-status="queued"], tr[data-job-status="running"]').length > 0;
  }
  function update(job) {
    var row = table.querySelector('tr[data-job-id="' + job.id + '"]');
    if (!row) { return false; }
    var was = row.getAttribute("data-job-status");
    row.setAttribute("data-job-status", job.status);
    row.querySelector(".job-status").textContent = job.status;
    var bar = row.querySelector("progress");
    if (bar) { bar.value = job.percent; }
    var count = row.querySelector(".job-count");
    if (count) { count.textContent = job.done + " / " + job.total; }
    return was !== job.status && (job.status === "done" || job.status === "failed");
  }
  function poll() {
    if (!active()) { return; }
    fetch(table.getAttribute("data-poll"), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var finished = false;
        (Array.isArray(data) ? data : [data]).forEach(function (job) { finished = update(job) || finished; });
        if (finished) { window.location.reload(); } else { window.setTimeout(poll, 1500); }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
}());

// Asks before a form marked data-confirm is sent (removing an account or a delivery), and marks the answer in
// its "confirmed" field. Without JavaScript the server asks on a page of its own.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (!question) { return; }
    if (!window.confirm(question)) { event.preventDefault(); return; }
    if (form.elements.confirmed) { form.elements.confirmed.value = "yes"; }
  });
}());
