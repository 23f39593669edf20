"""The style sheet holds every GOV.UK Frontend class the pages use.

static/app.scss compiles only the GOV.UK Frontend components and override classes the templates use
(a first load over 3G pays for every rule). A template or script that starts using another
component's class would render unstyled without any error; this test reads every `govuk-` class
named in templates/ and our scripts and checks that static/build/app.css (built at set-up) defines it.
"""

import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CSS = REPO / "static" / "build" / "app.css"

# Names that GOV.UK Frontend 6 never styles by themselves: block names styled only through their
# elements, table parts styled by the element, and tag colours it dropped (the default tag is the
# blue one).
NOT_STYLED_BY_GOVUK = {
    "govuk-checkboxes", "govuk-radios", "govuk-init", "govuk-table__body", "govuk-table__head",
    "govuk-table__row", "govuk-table__caption--s", "govuk-tag--blue", "govuk-tag--light-blue",
}


def used_classes():
    sources = list((REPO / "templates").rglob("*.html"))
    sources += list((REPO / "static").glob("*.js")) + list((REPO / "static" / "page").glob("*.js"))
    sources += list((REPO / "static").glob("*.mjs"))
    found = set()
    for path in sources:
        found |= set(re.findall(r"govuk-[a-z0-9!_-]*[a-z0-9]", path.read_text(encoding="utf-8")))
    return found


def test_every_govuk_class_the_pages_use_is_in_the_style_sheet():
    assert CSS.is_file(), "static/build/app.css is missing: run scripts/setup.sh"
    css = CSS.read_text(encoding="utf-8")
    used = used_classes()
    assert {"govuk-button", "govuk-summary-list__row", "govuk-!-margin-bottom-0"} <= used
    missing = sorted(
        name for name in used - NOT_STYLED_BY_GOVUK
        if not re.search(re.escape("." + name.replace("!", "\\!")) + r"(?![A-Za-z0-9_-])", css)
    )
    assert not missing, f"add their component or override to static/app.scss: {missing}"


def test_only_the_components_the_pages_use_are_compiled():
    # A component no template uses (the header: fieldapp has its own) is not in the style sheet.
    css = CSS.read_text(encoding="utf-8")
    assert ".govuk-header" not in css and ".govuk-accordion" not in css
    assert ".govuk-\\!-margin-left-9" not in css
