// GOV.UK Frontend's styles with our own few lines of behaviour. The pages use one GOV.UK pattern
// that needs JavaScript: conditional reveals on radios and checkboxes ("Someone not on the system
// yet", "could not be done"). GOV.UK's bundle (11 KB gzipped, every component) costs more than the
// whole budget left for it on a first load over 3G (DESIGN.md: 50 KB), so this module does the
// reveal itself with GOV.UK's markup and classes. Double submits are stopped by static/forms.js.
// A module runs only in browsers GOV.UK Frontend supports, so it can mark the page as supported.

document.body.classList.add("js-enabled", "govuk-frontend-supported");

const HIDDEN = { radio: "govuk-radios__conditional--hidden", checkbox: "govuk-checkboxes__conditional--hidden" };
const inputs = Array.from(document.querySelectorAll("input[data-aria-controls]"));

function sync() {
  for (const input of inputs) {
    const panel = document.getElementById(input.dataset.ariaControls);
    if (panel) panel.classList.toggle(HIDDEN[input.type], !input.checked);
  }
}

for (const input of inputs) {
  // The panel follows its input; aria-controls names it for assistive technology.
  input.setAttribute("aria-controls", input.dataset.ariaControls);
}
// A radio is unchecked without an event of its own when another in its group is picked.
document.addEventListener("change", (event) => {
  if (event.target instanceof HTMLInputElement && (event.target.type === "radio" || event.target.type === "checkbox")) sync();
});
// The fix page fills a form from the outbox by setting `checked` in script.
document.addEventListener("fieldapp:form-filled", sync);
sync();

// An error summary, or a banner announcing the result of the last action, takes focus, as GOV.UK's do.
const summary = document.querySelector(".govuk-error-summary");
if (summary) {
  summary.setAttribute("tabindex", "-1");
  summary.focus();
}
const banner = document.querySelector('.govuk-notification-banner[role="alert"]');
if (banner && !summary) {
  banner.setAttribute("tabindex", "-1");
  banner.focus();
}
