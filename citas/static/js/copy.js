/* Copy buttons: <button data-copy="#input-id" data-copied-text="Copied">. Falls back to
   selecting the text where the clipboard API is not available (plain http). */
(function () {
  "use strict";
  if (window.citasCopyReady) return;
  window.citasCopyReady = true;
  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const input = document.querySelector(button.dataset.copy);
    const label = button.querySelector("[data-copy-label]") || button;
    const done = () => {
      label.textContent = button.dataset.copiedText;
      button.setAttribute("data-copied", "");
    };
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, () => document.execCommand("copy") && done());
    } else if (document.execCommand("copy")) {
      done();
    }
  });
})();
