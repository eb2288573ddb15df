// Small behaviours shared by every page, declared with data attributes: the Content-Security-Policy
// forbids inline scripts and event handlers, so templates describe and this file acts.
(function () {
  "use strict";

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
