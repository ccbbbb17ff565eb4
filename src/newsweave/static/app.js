// Citation highlights on the story page: no inline handlers (the CSP forbids inline script).
"use strict";

(function () {
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var lastLink = null;  // the citation a reader followed: Escape brings the focus back to it

  function markFor(link) {
    var id = link.getAttribute("data-target");
    return id ? document.getElementById(id) : null;
  }

  function reveal(el) {
    var details = el.closest("details");
    if (details && !details.open) details.open = true;
    el.scrollIntoView({ block: "center", behavior: reduceMotion ? "auto" : "smooth" });
  }

  // Following a citation moves the focus (and the URL's fragment) to the cited sentence, as
  // the plain link would, so a keyboard or screen-reader user lands where a reader looks.
  function activate(link, focus) {
    document.querySelectorAll("mark.active").forEach(function (m) { m.classList.remove("active"); });
    document.querySelectorAll("a.cite.active").forEach(function (a) { a.classList.remove("active"); });
    link.classList.add("active");
    var target = markFor(link) || document.getElementById(link.getAttribute("data-source"));
    if (!target) return;
    if (target.tagName === "MARK") target.classList.add("active");
    reveal(target);
    if (focus) {
      lastLink = link;
      if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
      target.focus({ preventScroll: true });
      if (history.replaceState) history.replaceState(null, "", "#" + target.id);
    }
  }

  var preview = null;
  var hideTimer = null;
  var previewing = null;

  function showPreview(link) {
    var mark = markFor(link);
    if (!mark || !preview) return;
    clearTimeout(hideTimer);
    if (previewing && previewing !== link) unmark(previewing);
    previewing = link;
    mark.classList.add("hover");
    preview.textContent = link.getAttribute("title") + ": " + mark.textContent;
    preview.hidden = false;
    var box = link.getBoundingClientRect();
    var view = document.documentElement.clientWidth;
    var width = Math.min(preview.offsetWidth, view - 16);
    preview.style.left = (Math.max(8, Math.min(box.left, view - width - 8)) + window.scrollX) + "px";
    preview.style.top = (box.bottom + window.scrollY + 6) + "px";
  }

  function unmark(link) {
    var mark = markFor(link);
    if (mark) mark.classList.remove("hover");
  }

  function hidePreview() {
    if (previewing) unmark(previewing);
    previewing = null;
    if (preview) preview.hidden = true;
  }

  // the preview stays while the pointer moves onto it (to read or magnify it)
  function hideSoon() {
    clearTimeout(hideTimer);
    hideTimer = setTimeout(hidePreview, 300);
  }

  document.addEventListener("DOMContentLoaded", function () {
    preview = document.getElementById("cite-preview");
    if (preview) {
      preview.addEventListener("mouseenter", function () { clearTimeout(hideTimer); });
      preview.addEventListener("mouseleave", hideSoon);
    }
    document.querySelectorAll("a.cite").forEach(function (link) {
      link.addEventListener("click", function (event) {
        event.preventDefault();
        hidePreview();
        activate(link, true);
      });
      link.addEventListener("mouseenter", function () { showPreview(link); });
      link.addEventListener("mouseleave", hideSoon);
      link.addEventListener("focus", function () { showPreview(link); });
      link.addEventListener("blur", hidePreview);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      if (preview && !preview.hidden) {
        hidePreview();
      } else if (lastLink && document.activeElement && document.activeElement.tagName === "MARK") {
        lastLink.focus();
      }
    });
    if (location.hash) {
      var link = document.querySelector('a.cite[href="' + CSS.escape(location.hash) + '"]');
      if (link) activate(link, false);
    }
  });
})();

// A brief being woven: ask the API every few seconds and say when it is ready, without
// reloading the page under the reader (a reload moves a screen reader back to the top).
(function () {
  document.addEventListener("DOMContentLoaded", function () {
    var box = document.getElementById("weaving");
    if (!box || !window.fetch) return;
    var url = box.getAttribute("data-poll");
    var wait = 1000 * (parseInt(box.getAttribute("data-retry"), 10) || 3);
    var tries = 0;
    function ask() {
      tries += 1;
      fetch(url, { headers: { Accept: "application/json" } }).then(function (r) {
        if (r.status === 200) {
          document.getElementById("weaving-status").textContent = "The brief is ready.";
          document.getElementById("weaving-link").textContent = "Read the brief";
        } else if (r.status === 202 && tries < 100) {
          setTimeout(ask, wait);
        }
      }).catch(function () { /* the link still works */ });
    }
    setTimeout(ask, wait);
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
