// Adds a "Copy BibTeX" button next to each BibTeX entry. Progressive enhancement: without
// JavaScript (or a clipboard) the entry is plain selectable text and can be downloaded.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("[data-copy-from]").forEach(function (container) {
    var source = document.getElementById(container.getAttribute("data-copy-from"));
    if (!source) {
      return;
    }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button-secondary";
    button.textContent = "Copy BibTeX";
    var status = document.createElement("span");
    status.setAttribute("role", "status");
    status.className = "muted";
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(source.textContent).then(
        function () { status.textContent = "Copied."; },
        function () { status.textContent = "Could not copy: select the text instead."; }
      );
    });
    container.prepend(button);
    container.append(status);
  });
})();
