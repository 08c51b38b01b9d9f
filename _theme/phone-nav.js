// backprop-tour: on narrow screens (phones) the theme opens its navigation drawers from a
// navbar button that this book's layout hides, so the visible "Toggle primary sidebar"
// and "Toggle secondary sidebar" buttons did nothing there.  Forward their clicks to it.
document.addEventListener("DOMContentLoaded", () => {
  for (const kind of ["primary", "secondary"]) {
    const [wired, ...visible] = document.querySelectorAll(`.${kind}-toggle`);
    for (const button of visible) {
      button.addEventListener("click", (event) => {
        if (!window.matchMedia("(min-width: 992px)").matches) {
          event.preventDefault();
          wired.click();
        }
      });
    }
  }
});
