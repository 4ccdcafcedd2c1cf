// The "Select all" checkbox of django-import-export's export page: checking or unchecking it
// checks or unchecks every field's checkbox. The library ties it with an onchange= attribute,
// which the Content-Security-Policy refuses (docs/security.md); the project's copy of the
// template (lab/library_templates/admin/import_export/export.html) has none, and this file
// attaches the same behaviour as the library's onSelectToggleChange.
(function () {
  "use strict";
  function attach() {
    document.querySelectorAll("input.select-toggle").forEach(function (toggle) {
      toggle.addEventListener("change", function () {
        var boxes = document.querySelectorAll('.selectable-field-export-row input[type="checkbox"]');
        boxes.forEach(function (box) { box.checked = toggle.checked; });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", attach);
  } else {
    attach();
  }
})();
