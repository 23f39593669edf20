"""Signing in as a worker does on a new phone, for the benches that drive Chromium: the password,
then, the PIN lock being on (the default, PHONE_LOCK), choosing a PIN on the lock screen, until
the caseload shows. Without the PIN the phone stays on the lock screen and syncs nothing."""

PIN = "482915"


def sign_in(page, username="outreach", password="demo", pin=PIN):
    """Sign in on `page` (a fresh context) and, where the lock asks, choose `pin`."""
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button:has-text('Sign in')")
    try:
        page.wait_for_url("**/lock?**", timeout=15000)
    except Exception:  # noqa: BLE001 - the lock is off in this deployment: the caseload it is
        page.wait_for_url("**/caseload")
        return
    page.locator("#new-pin").wait_for()
    page.fill("#new-pin", pin)
    page.fill("#repeat-pin", pin)
    page.click("button:has-text('Save PIN')")
    page.wait_for_url("**/caseload", timeout=60000)
