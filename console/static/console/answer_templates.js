// The resolve form's answer template picker: "Use" copies the chosen template into the
// answer box instead of reloading the page (without JavaScript the page reloads with it).
// Listens on the document, so it keeps working after HTMX swaps the request panel.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var picker = event.target;
    if (!(picker instanceof HTMLFormElement) || !picker.matches("form.answer-template-picker")) {
      return;
    }
    var select = document.querySelector("select[form='" + picker.id + "']");
    var answer = document.getElementById(picker.dataset.answerTarget || "");
    if (!select || !answer) {
      return;
    }
    var option = select.options[select.selectedIndex];
    if (!option) {
      return;
    }
    event.preventDefault();
    answer.value = option.dataset.text || "";
    answer.dispatchEvent(new Event("input", { bubbles: true }));
    answer.focus();
  });
})();
