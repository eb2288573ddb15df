/* Booking steps (public page and manage link): after each step, move focus and scroll to what
   comes next — the first field with an error, else the element the server marked with
   data-step-focus — clear of the sticky header (scroll-margin-top in app.css). */
(function () {
  "use strict";

  function focusNextStep() {
    const target =
      document.querySelector("[data-booking-steps] [aria-invalid=true]") ||
      document.querySelector("[data-step-focus]");
    if (!target) return;
    if (!target.matches("input, select, textarea, button, a[href]")) target.setAttribute("tabindex", "-1");
    target.focus({ preventScroll: true });
    target.scrollIntoView({ block: "start" });
  }

  // The proof-of-work widget (30 KB) is loaded only when a step shows it: most visitors never
  // see it, and the page's first load stays within its weight budget (issue 14).
  function loadChallenge() {
    const widget = document.querySelector("altcha-widget[data-script]");
    if (!widget || document.querySelector("script[data-altcha]")) return;
    const style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = widget.dataset.stylesheet;
    document.head.appendChild(style);
    const script = document.createElement("script");
    script.type = "module";
    script.src = widget.dataset.script;
    script.dataset.altcha = "";
    document.head.appendChild(script);
  }

  function onStep() {
    loadChallenge();
    focusNextStep();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", onStep);
  else onStep();
  document.body.addEventListener("htmx:afterSettle", onStep);
})();
