/* huying: the keyboard of the new-request page. Without this file the page still works by
   plain POST; with it, an operator on the phone never needs the mouse:
   - Ctrl+Enter files the request, Ctrl+Shift+Enter files it as answered on the line (直办);
   - a plain Enter in a one-line field does not file a half-typed request (it runs the
     policy search in the search box);
   - Alt+K (also the search box's accesskey, for use without this file) or Ctrl+K jumps to
     the policy search;
   - "Use this answer" copies a policy's answer into the answer box and moves there;
   - the category and urgency suggested from the description are put into their selects,
     unless the operator changed that select by hand; urgency is only ever raised. */
(function () {
  "use strict";

  var form = document.getElementById("intake-form");
  if (!form) {
    return;
  }
  var RANK = { critical: 0, urgent: 1, normal: 2 };
  var urgency = form.querySelector("#id_urgency");
  var category = form.querySelector("#id_category");
  var answer = form.querySelector("#id_answer");
  var policyEntry = form.querySelector("#id_policy_entry");
  var search = document.getElementById("policy-q");

  function submitWith(shortcut) {
    var button = form.querySelector('button[data-shortcut="' + shortcut + '"]');
    if (typeof form.requestSubmit === "function") {
      form.requestSubmit(button);
    } else if (button) {
      button.click();
    }
  }

  // A select the operator changed is theirs: suggestions leave it alone from then on. Only
  // trusted events count, so a value this script sets never marks a select as chosen.
  [urgency, category].forEach(function (select) {
    if (!select) {
      return;
    }
    select.addEventListener("change", function (event) {
      if (event.isTrusted) {
        select.dataset.chosen = "true";
      }
    });
  });
  // A form sent back with errors shows what the operator had; treat that as chosen.
  if (form.querySelector(".alert.error")) {
    [urgency, category].forEach(function (select) {
      if (select) {
        select.dataset.chosen = "true";
      }
    });
  }

  function setSelect(select, value) {
    if (!select || select.value === value) {
      return false;
    }
    if (!select.querySelector('option[value="' + CSS.escape(value) + '"]')) {
      return false;
    }
    select.value = value;
    // Let the duplicate check (and anything else listening) see the new value.
    select.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function applySuggestion() {
    var box = document.querySelector("#triage-suggestion .suggestion");
    if (!box) {
      return;
    }
    var suggestedCategory = box.dataset.category;
    var suggestedUrgency = box.dataset.urgency;
    if (suggestedCategory && category && category.dataset.chosen !== "true") {
      setSelect(category, suggestedCategory);
    }
    if (suggestedUrgency in RANK && urgency) {
      var current = RANK[urgency.value];
      var higher = current === undefined || RANK[suggestedUrgency] < current;
      if (higher && urgency.dataset.chosen !== "true") {
        // Raise only: words that disappear from the text never lower what was set.
        setSelect(urgency, suggestedUrgency);
      } else if (higher) {
        var note = box.querySelector(".suggestion-note.higher");
        if (note) {
          note.hidden = false;
        }
      }
    }
  }

  document.body.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "triage-suggestion") {
      applySuggestion();
    }
  });

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.isComposing) {
      return;
    }
    if (event.ctrlKey || event.metaKey) {
      event.preventDefault();
      submitWith(event.shiftKey ? "answer" : "file");
      return;
    }
    var field = event.target;
    if (field === search) {
      event.preventDefault();
      if (window.htmx) {
        window.htmx.trigger(search, "search");
      }
    } else if (field.tagName === "INPUT") {
      // Enter in a one-line field would file whatever is typed so far.
      event.preventDefault();
    }
  });

  // Ctrl+K, and Alt+K where the browser's accesskey modifier is another (Alt+Shift in some).
  document.addEventListener("keydown", function (event) {
    var isK = event.code === "KeyK" || (event.key || "").toLowerCase() === "k";
    var modified = event.ctrlKey || event.metaKey || (event.altKey && !event.ctrlKey);
    if (isK && modified && !event.shiftKey && search) {
      event.preventDefault();
      search.focus();
      search.select();
    }
  });

  form.addEventListener("click", function (event) {
    var button = event.target.closest('button[name="use_policy"]');
    if (!button || !answer) {
      return;
    }
    event.preventDefault();
    var hit = button.closest(".policy-hit");
    var text = hit ? hit.querySelector("[data-answer]") : null;
    if (!text) {
      return;
    }
    answer.value = text.textContent.trim();
    if (policyEntry) {
      policyEntry.value = button.value;
    }
    answer.focus();
    answer.setSelectionRange(answer.value.length, answer.value.length);
  });

  // After a search is answered, Tab or ArrowDown from the box reaches the first "use" button.
  if (search) {
    search.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var first = document.querySelector("#policy-results .use-answer");
        if (first) {
          event.preventDefault();
          first.focus();
        }
      }
    });
  }
})();
