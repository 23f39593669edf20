"""The style sheet holds every GOV.UK Frontend class the pages use.

static/app.scss compiles only the GOV.UK Frontend components and override classes the templates use
(a first load over 3G pays for every rule). A template or script that starts using another
component's class would render unstyled without any error; this test reads every `govuk-` class
named in templates/ and our scripts and checks that the style sheets built at set-up define it:
static/build/app.css (every page) or static/build/pages.css (every page but the caseload and login,
which must find all they use in app.css).
"""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CSS = REPO / "static" / "build" / "app.css"
PAGES_CSS = REPO / "static" / "build" / "pages.css"
# The templates drawn with app.css alone (`light_page`, and the lock screen's own page).
CORE_TEMPLATES = ["base.html", "people/caseload.html", "people/_caseload_list.html", "auth/login.html",
                  "shell/offline.html", "shell/stale.html", "shell/lock.html"]

# Names that GOV.UK Frontend 6 never styles by themselves: block names styled only through their
# elements, table parts styled by the element, and tag colours it dropped (the default tag is the
# blue one).
NOT_STYLED_BY_GOVUK = {
    "govuk-checkboxes", "govuk-radios", "govuk-init", "govuk-table__body", "govuk-table__head",
    "govuk-table__row", "govuk-table__caption--s", "govuk-tag--blue", "govuk-tag--light-blue",
}


def used_classes(sources=None):
    if sources is None:
        sources = list((REPO / "templates").rglob("*.html"))
        sources += list((REPO / "static").glob("*.js")) + list((REPO / "static" / "page").glob("*.js"))
        sources += list((REPO / "static").glob("*.mjs"))
    found = set()
    for path in sources:
        found |= set(re.findall(r"govuk-[a-z0-9!_-]*[a-z0-9]", path.read_text(encoding="utf-8")))
    return found


def undefined(used, css):
    return sorted(
        name for name in used - NOT_STYLED_BY_GOVUK
        if not re.search(re.escape("." + name.replace("!", "\\!")) + r"(?![A-Za-z0-9_-])", css)
    )


def test_every_govuk_class_the_pages_use_is_in_the_style_sheet():
    assert CSS.is_file() and PAGES_CSS.is_file(), "static/build/ is missing a style sheet: run scripts/setup.sh"
    css = CSS.read_text(encoding="utf-8") + PAGES_CSS.read_text(encoding="utf-8")
    used = used_classes()
    assert {"govuk-button", "govuk-summary-list__row", "govuk-!-margin-bottom-0"} <= used
    missing = undefined(used, css)
    assert not missing, f"add their component or override to static/app.scss or static/pages.scss: {missing}"


def test_the_caseload_and_login_need_only_the_first_style_sheet():
    used = used_classes([REPO / "templates" / name for name in CORE_TEMPLATES])
    assert {"govuk-input", "govuk-error-summary", "govuk-tag", "govuk-footer"} <= used
    missing = undefined(used, CSS.read_text(encoding="utf-8"))
    assert not missing, f"add their component to static/app.scss: {missing}"
    # The forms' components are in the other one only.
    assert ".govuk-radios__input" not in CSS.read_text(encoding="utf-8")
    assert ".govuk-radios__input" in PAGES_CSS.read_text(encoding="utf-8")


def test_only_the_components_the_pages_use_are_compiled():
    # A component no template uses (the header: fieldapp has its own) is not in the style sheet.
    css = CSS.read_text(encoding="utf-8") + PAGES_CSS.read_text(encoding="utf-8")
    assert ".govuk-header" not in css and ".govuk-accordion" not in css
    assert ".govuk-\\!-margin-left-9" not in css
