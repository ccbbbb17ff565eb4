// Citation highlights on the story page: no inline handlers (the CSP forbids inline script).
"use strict";

(function () {
  function markFor(link) {
    var id = link.getAttribute("data-target");
    return id ? document.getElementById(id) : null;
  }

  function reveal(el) {
    var details = el.closest("details");
    if (details && !details.open) details.open = true;
    el.scrollIntoView({ block: "center", behavior: "smooth" });
  }

  function activate(link) {
    document.querySelectorAll("mark.active").forEach(function (m) { m.classList.remove("active"); });
    document.querySelectorAll("a.cite.active").forEach(function (a) { a.classList.remove("active"); });
    link.classList.add("active");
    var mark = markFor(link);
    if (mark) {
      mark.classList.add("active");
      reveal(mark);
    } else {
      var source = document.getElementById(link.getAttribute("data-source"));
      if (source) reveal(source);
    }
  }

  var preview = null;

  function showPreview(link) {
    var mark = markFor(link);
    if (!mark || !preview) return;
    mark.classList.add("hover");
    preview.textContent = link.getAttribute("title") + ": " + mark.textContent;
    var box = link.getBoundingClientRect();
    preview.style.left = Math.max(8, Math.min(box.left + window.scrollX, window.innerWidth - 380)) + "px";
    preview.style.top = (box.bottom + window.scrollY + 6) + "px";
    preview.hidden = false;
  }

  function hidePreview(link) {
    var mark = markFor(link);
    if (mark) mark.classList.remove("hover");
    if (preview) preview.hidden = true;
  }

  document.addEventListener("DOMContentLoaded", function () {
    preview = document.getElementById("cite-preview");
    document.querySelectorAll("a.cite").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        activate(link);
      });
      link.addEventListener("mouseenter", function () { showPreview(link); });
      link.addEventListener("mouseleave", function () { hidePreview(link); });
      link.addEventListener("focus", function () { showPreview(link); });
      link.addEventListener("blur", function () { hidePreview(link); });
    });
    if (location.hash) {
      var link = document.querySelector('a.cite[href="' + CSS.escape(location.hash) + '"]');
      if (link) activate(link);
    }
  });
})();

// The story list's controls submit with the header search (one form): without script the URL
// carries every field; with it, empty fields and the default sort are left out of the URL.
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("search-form");
    if (!form || !document.getElementById("list-controls")) return;
    form.addEventListener("submit", function (event) {
      var params = new URLSearchParams();
      new FormData(form).forEach(function (value, key) {
        if (typeof value !== "string" || value.trim() === "") return;
        if (key === "sort" && value === "updated") return;
        params.append(key, value.trim());
      });
      event.preventDefault();
      var qs = params.toString();
      window.location.assign(form.getAttribute("action") + (qs ? "?" + qs : ""));
    });
  });
})();
