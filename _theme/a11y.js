// Accessibility fixes on top of the stock theme and the widget library (the book's own
// code, loaded on every page; the browser tests (tests/browser/reading.py) run axe-core on
// every page in both themes and fail on any violation).
(function () {
  function fix() {
    // The search field's visible text ("Search Ctrl+K") is its name; the theme's
    // aria-label "Search" would hide part of what a speech-input user sees.
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (b) {
      b.removeAttribute("aria-label");
    });
    // The colour-mode button is named "Color mode"; its icons' titles ("Light", "Dark")
    // would count as visible text that the name lacks.  The icons are decoration.
    document.querySelectorAll(".theme-switch-button [title]").forEach(function (i) {
      i.removeAttribute("title");
      i.setAttribute("aria-hidden", "true");
    });
    document.querySelectorAll(".theme-switch-button svg > title").forEach(function (t) {
      t.remove();
    });
    // myst-nb's "Show code cell source" / "Show the solution" toggles say so on screen
    // but are named "Toggle hidden content": their visible words become their name.
    document.querySelectorAll("details > summary[aria-label]").forEach(function (s) {
      if (s.textContent.trim()) s.removeAttribute("aria-label");
    });
    // Font Awesome draws the theme's icons as <svg role="img">, decoration beside their
    // control's own name; one drawn without its aria-hidden would be an image with no name.
    document.querySelectorAll("svg.svg-inline--fa:not([aria-hidden])").forEach(function (i) {
      i.setAttribute("aria-hidden", "true");
    });
    // The sidebar's title (the book's name, a link to its first page) sits outside every
    // landmark (axe: "region"); it is the book's way home, a navigation of its own.
    document.querySelectorAll(".sidebar-primary-item:has(> .navbar-brand)").forEach(function (b) {
      if (!b.hasAttribute("role")) {
        b.setAttribute("role", "navigation");
        b.setAttribute("aria-label", "Book");
      }
    });
    // A widget slider's handle (role="slider") is named by the slider's own label.
    document.querySelectorAll(".widget-slider, .jupyter-widget-slider").forEach(function (s) {
      var label = s.querySelector(".widget-label");
      var handle = s.querySelector(".noUi-handle");
      if (handle && !handle.hasAttribute("aria-label")) {
        handle.setAttribute("aria-label", (label && label.textContent.trim()) || "slider");
      }
    });
  }
  // Widgets, MathJax and Font Awesome add to the page after it loads: fix again at once,
  // in the observer's callback, before the browser paints or any other script (axe-core,
  // a screen reader's query) sees the page without the fixes.  Setting attributes is not
  // a change of the child lists observed, so the fixes do not wake the observer again.
  document.addEventListener("DOMContentLoaded", function () {
    fix();
    new MutationObserver(fix).observe(document.body, { childList: true, subtree: true });
  });
})();
