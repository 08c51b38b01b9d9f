// The Jupyter widgets HTML manager typesets widget text with the MathJax 2 API
// (MathJax.Hub.Queue); the book loads MathJax 3, which has no Hub.  This gives every
// MathJax object that appears on window the one call the widgets make, mapped onto
// MathJax 3's typesetPromise.  (The book's own code; loaded on every page.)
(function () {
  function patch(mj) {
    if (!mj || typeof mj !== "object" || mj.Hub) return;
    mj.Hub = {
      Queue: function (job) {
        var el = Array.isArray(job) ? job[2] : null;
        var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
        ready.then(function () {
          if (el && mj.typesetPromise) return mj.typesetPromise([el]);
        }).catch(function () {});
      },
    };
  }
  var current = window.MathJax;
  patch(current);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = value; patch(value); },
  });
})();
