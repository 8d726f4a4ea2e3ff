// The results page's "Filters" <details> (search.html) is closed in the HTML, folded on
// narrow screens; on wide ones it is the sidebar, which style.css shows without opening
// it. Browsers whose CSS cannot (no ::details-content) need it open there: open it on
// wide screens, and fold it again when the screen turns narrow.
(function () {
  "use strict";

  var filters = document.querySelector("details.filters");
  if (!filters || !window.matchMedia) {
    return;
  }
  var wide = window.matchMedia("(min-width: 761px)");
  if (wide.matches) {
    filters.open = true;
  }
  function follow() {
    filters.open = wide.matches;
  }
  if (wide.addEventListener) {
    wide.addEventListener("change", follow);
  } else {
    wide.addListener(follow);  // Safari before 14
  }
})();
