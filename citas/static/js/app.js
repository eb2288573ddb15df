// Small behaviours shared by every page, declared with data attributes: the Content-Security-Policy
// forbids inline scripts and event handlers, so templates describe and this file acts.
(function () {
  "use strict";

  // The installable app (pages that link a manifest): the service worker keeps the shared files
  // and answers an offline page when there is no connection.
  if ("serviceWorker" in navigator && document.querySelector("link[rel=manifest]")) {
    navigator.serviceWorker.register("/sw.js").catch(function () { /* the site works without it */ });
  }

  // The offline page: try again on a tap, and by itself once the connection is back. Browsers
  // do not always say when it is (no "online" event for a page loaded offline), so it asks the
  // server every few seconds; a HEAD goes past the service worker to the network.
  if (document.body && document.body.hasAttribute("data-offline-page")) {
    var reachable = function () {
      fetch(window.location.href, { method: "HEAD", cache: "no-store" })
        .then(function () { window.location.reload(); })
        .catch(function () { /* still offline */ });
    };
    window.addEventListener("online", reachable);
    window.setInterval(reachable, 3000);
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-reload]")) { window.location.reload(); }
  });

  // <button data-confirm="Sure?">: ask before submitting.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.dataset.confirm)) { event.preventDefault(); }
  });

  // <select data-autosubmit>: submit its form on change.
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) { event.target.form.submit(); }
  });

  // <input data-select-on-click>: select the whole value (a link to copy).
  document.addEventListener("click", function (event) {
    if (event.target.matches("[data-select-on-click]")) { event.target.select(); }
  });

  // <button data-copy="#input">: copy the input's value to the clipboard.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) { return; }
    var input = document.querySelector(button.dataset.copy);
    input.select();
    if (navigator.clipboard) { navigator.clipboard.writeText(input.value); } else { document.execCommand("copy"); }
    button.classList.replace("btn-outline-primary", "btn-success");
  });

  // <i data-color="#0d6efd">: a professional's or service's colour. Set through the CSSOM, which
  // the policy allows, unlike style="" attributes; again after each HTMX swap.
  function paint(root) {
    root.querySelectorAll("[data-color]").forEach(function (el) { el.style.color = el.dataset.color; });
  }
  paint(document);
  document.addEventListener("htmx:afterSwap", function (event) { paint(event.target); });

  // <input type=checkbox data-hides="#a,#b">: hide the form groups of those fields while ticked
  // ("full days" makes the times irrelevant; without JS they still work).
  function syncHidden(checkbox) {
    checkbox.dataset.hides.split(",").forEach(function (selector) {
      var input = document.querySelector(selector);
      var group = input && input.closest(".mb-3");
      if (group) { group.hidden = checkbox.checked; }
    });
  }
  document.querySelectorAll("[data-hides]").forEach(syncHidden);
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-hides]")) { syncHidden(event.target); }
  });
})();

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
