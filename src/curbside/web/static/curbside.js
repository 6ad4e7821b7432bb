/* Curbside: light progressive enhancement. Every page works without this file.
   - The ask form fetches the answer as an HTML fragment, shows it in #answer, scrolls to it and
     puts a stored answer's own address in the address bar.
   - Citation passages: Escape hides the open one; a passage that would leave the
     window on the right opens to the left instead. */
(function () {
  "use strict";

  function askInPage(form, answer) {
    var button = document.getElementById("ask-button");
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !window.URLSearchParams) { return; }
      event.preventDefault();
      // POST: patient values never travel in an address (access logs, history).
      var body = new URLSearchParams(new FormData(form));
      answer.setAttribute("aria-busy", "true");
      if (button) { button.disabled = true; }
      fetch("/fragments/answer", {
        method: "POST", body: body, headers: { Accept: "text/html" }, credentials: "same-origin"
      })
        .then(function (response) { return response.text(); })
        .then(function (html) {
          answer.innerHTML = html;
          var title = answer.querySelector(".article-title, .error");
          if (title) {
            if (!title.hasAttribute("tabindex")) { title.setAttribute("tabindex", "-1"); }
            // Answer first: the article's title takes focus and the article starts the screen.
            title.focus({ preventScroll: true });
            answer.scrollIntoView({ block: "start" });
          }
          // A stored (patient-independent) answer has a shareable address: put it in the
          // address bar. An answer about a patient has none and the address stays as it was.
          var link = answer.querySelector(".permalink a");
          if (link && window.history && window.history.pushState) {
            window.history.pushState({ curbside: "article" }, "", link.getAttribute("href"));
          }
        })
        .catch(function () { form.submit(); })
        .then(function () {
          answer.removeAttribute("aria-busy");
          if (button) { button.disabled = false; }
        });
    });
  }

  // A citation opens the collapsed reference list it points into.
  function openTarget(hash) {
    var target = hash && hash.length > 1 ? document.getElementById(hash.slice(1)) : null;
    var details = target && target.closest ? target.closest("details") : null;
    if (details && !details.open) { details.open = true; }
  }

  function followCitation(event) {
    var link = event.target && event.target.closest ? event.target.closest("a[href^='#']") : null;
    if (link) { openTarget(link.getAttribute("href")); }
  }

  function passageOf(target) {
    var wrap = target && target.closest ? target.closest(".cite-wrap") : null;
    return wrap ? { wrap: wrap, passage: wrap.querySelector(".passage") } : null;
  }

  function place(event) {
    var found = passageOf(event.target);
    if (!found || !found.passage) { return; }
    found.wrap.classList.remove("dismissed");
    found.passage.classList.remove("flip");
    var box = found.passage.getBoundingClientRect();
    if (box.right > document.documentElement.clientWidth) { found.passage.classList.add("flip"); }
  }

  function dismiss(event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelectorAll(".cite-wrap:hover, .cite-wrap:focus-within");
    Array.prototype.forEach.call(open, function (wrap) { wrap.classList.add("dismissed"); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("ask-form");
    var answer = document.getElementById("answer");
    if (form && answer) { askInPage(form, answer); }
    // Back from an answer shown in the page: show what the address now names.
    window.addEventListener("popstate", function () { window.location.reload(); });
    document.addEventListener("mouseover", place);
    document.addEventListener("focusin", place);
    document.addEventListener("keydown", dismiss);
    document.addEventListener("click", followCitation);
    window.addEventListener("hashchange", function () { openTarget(window.location.hash); });
    openTarget(window.location.hash);
  });
})();
