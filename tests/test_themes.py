"""Readable at night and in sunlight (issue 12 goal 5), in Debian's Chromium at 360 px: one
system font for every text (no serif fallback: chart labels, the NDT running total, queued rows),
the offline cue and the "Saved" cue one line each, and the phone's own dates in UK words in the
programme's time zone whatever zone the phone is set to (static/dates.js). Contrast in the dark
theme is axe-core's job (tests/test_accessibility.py)."""

from playwright.sync_api import expect

from tests.test_offline import fill_contact, person_id, sign_in, wait_cached

# Every element holding visible text whose font is not the system stack (static/app.scss).
OFF_STACK = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const off = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!node.textContent.trim() || !el || el.closest('template, script, style')) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    if (!style.fontFamily.startsWith('system-ui')) off.push([el.tagName, el.className.baseVal ?? el.className, style.fontFamily, node.textContent.trim().slice(0, 30)]);
  }
  return off;
}"""


def test_every_text_on_the_main_pages_is_in_the_system_font(phone, live_server):
    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    wait_cached(page, "/contacts/new")
    # A queued new person (their caseload row and outbox entry), the signal gone.
    context.set_offline(True)
    page.goto("/contacts/new")
    page.check("input[name=person_id][value=new]")
    page.fill("[name='new_person.display_name']", "Man with red rucksack")
    fill_contact(page, "Railway station car park, March")
    page.click("button:has-text('Save contact')")
    page.wait_for_url("**/caseload")
    expect(page.locator("#caseload-list [data-outbox-person]")).to_be_visible()
    found = {"/caseload": page.evaluate(OFF_STACK)}
    context.set_offline(False)
    for path in ("/outbox", f"/people/{dan}", f"/people/{dan}/assessments/new?instrument=ndt-1",
                 f"/people/{dan}/star/new?instrument=homelessness-star-3.1"):
        page.goto(path)
        page.wait_for_load_state("load")
        if "assessments/new" in path:  # the running total appears once a level is chosen
            page.locator("input[type=radio]").first.check()
        found[path] = page.evaluate(OFF_STACK)
        if path == f"/people/{dan}":
            assert page.locator("svg text").count() > 0  # the charts' labels were among them
    assert not any(found.values()), found


def test_the_offline_cue_and_the_saved_cue_take_one_line_each(phone, live_server, figures):
    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    wait_cached(page, f"/people/{dan}", f"/people/{dan}/contacts/new")
    context.set_offline(True)
    page.goto(f"/people/{dan}/contacts/new")
    fill_contact(page, "Test: bus shelter, Horsefair, Wisbech")
    page.click("button:has-text('Save contact')")
    page.wait_for_url(f"**/people/{dan}")
    cues = [page.locator("[data-notice=offline-copy]"), page.locator("[data-notice=saved]")]
    heights = []
    for cue in cues:
        expect(cue).to_be_visible()
        line = cue.locator("p")
        box = line.bounding_box()
        line_height = float(line.evaluate("el => parseFloat(getComputedStyle(el).lineHeight)"))
        assert box["height"] < 1.5 * line_height, (cue, box, line_height)  # one line, not two
        assert box["x"] + box["width"] <= 360
        heights.append(cue.bounding_box()["height"])
    figures(f"360x740: offline cue {heights[0]:.0f} px, Saved {heights[1]:.0f} px: "
            f"{sum(heights) / 740:.0%} of the screen together")


def test_the_phones_dates_are_uk_words_in_the_programme_zone(browser, live_server):
    """A phone set to New York still shows London times (the programme's zone)."""
    context = browser.new_context(base_url=live_server.url, timezone_id="America/New_York")
    try:
        page = context.new_page()
        page.goto("/login")
        shown = page.evaluate("""() => {
          const when = (iso) => FieldappDates.when(new Date(iso));
          const now = new Date();
          return [when('2026-11-30T11:00:00Z'), when('2026-07-01T22:30:00Z'),
                  FieldappDates.day(new Date('2026-09-04T12:00:00Z')),
                  when(now.toISOString()).slice(0, 6),
                  when(new Date(now.getTime() - 86400000).toISOString()).slice(0, 10)];
        }""")
    finally:
        context.close()
    assert shown[:3] == ["30 Nov 2026, 11:00", "1 Jul 2026, 23:30", "4 Sep 2026"]
    assert shown[3] == "today " and shown[4] == "yesterday "
