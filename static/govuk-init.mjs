// Start GOV.UK Frontend's components (conditional radios, buttons, banners) without inline script.
// A module runs only in browsers GOV.UK Frontend supports, so it can mark the page as supported.
import { initAll } from "/static/vendor/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();
