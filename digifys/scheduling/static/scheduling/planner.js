// The week planner: progress feedback while the optimiser runs, and inline edits with htmx.
(function () {
  "use strict";
  // A planning run takes seconds: show the progress message and stop a second submit.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-planning-form]")) return;
    if (form.dataset.busy === "1") {
      event.preventDefault();
      return;
    }
    form.dataset.busy = "1";
    var progress = document.getElementById(form.dataset.progress || "planning-progress");
    if (progress) progress.hidden = false;
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  });
  // An edit the server refuses comes back as 400 with the form and its message: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (event.detail.xhr.status === 400 && target && target.closest("[data-planner]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
})();
