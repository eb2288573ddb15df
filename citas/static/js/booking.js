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

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusNextStep);
  else focusNextStep();
  document.body.addEventListener("htmx:afterSettle", focusNextStep);
})();
