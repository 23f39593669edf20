"""One caching policy: the server's table (`web/guards.CACHING`, by blueprint: the headers it sends)
and the service worker's routes (`web/shell.SW_ROUTES`, by path, written into /sw.js) say the same
of every page the app has, read from its url_map, so a new page cannot be cached by one and not
the other."""

import re

from fieldapp.web import guards, shell

# Pages whose service-worker route is decided on purpose apart from their blueprint's policy.
APART = {
    "people.index": None,  # "/": only a redirect to the caseload or the admin's page
    "shell.outbox": shell.CASEWORK,  # the outbox page: read offline like casework
    "shell.offline": None,  # precached as the shell itself
    "shell.manifest": None,  # precached as the shell itself
    "shell.service_worker": shell.NETWORK_ONLY,
    "static": None,  # static files: cache-first by the worker's own rule
}
EXPECTED = {"casework": shell.CASEWORK, "online": shell.NETWORK_ONLY, None: None}


def worker_policy(path):
    """What the service worker does with a GET of `path` (network-only wins, as in sw.js)."""
    if any(re.search(p, path) for p in shell.route_patterns(shell.NETWORK_ONLY)):
        return shell.NETWORK_ONLY
    if any(re.search(p, path) for p in shell.route_patterns(shell.CASEWORK)):
        return shell.CASEWORK
    return None


def example_path(rule):
    return re.sub(r"<(?:[^:>]+:)?[^>]+>", "x1", rule.rule)


def test_every_page_is_cached_by_the_worker_as_the_server_says(app):
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        blueprint = rule.endpoint.split(".")[0] if "." in rule.endpoint else None
        if rule.endpoint in APART:
            expected = APART[rule.endpoint]
        elif blueprint == "api":
            expected = shell.NETWORK_ONLY  # JSON, never a page to keep
        else:
            expected = EXPECTED[guards.CACHING[blueprint]]
        assert worker_policy(example_path(rule)) == expected, (rule.rule, rule.endpoint)
        checked += 1
    assert checked > 30


def test_every_blueprint_has_a_policy(app):
    assert set(app.blueprints) == set(guards.CACHING)
