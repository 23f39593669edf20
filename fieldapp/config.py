"""Default settings for fieldapp.

Values a programme may want to change (areas, contact types, caps, limits) are settings, not
constants in code: they are read from `app.config` everywhere. A deployment can override any of them
in `instance/config.py`.
"""

# Operational areas and the districts each covers (Cambridgeshire and Peterborough's partnerships).
AREAS = {
    "Fenland and East Cambridgeshire": ["Fenland", "East Cambridgeshire"],
    "Cambridge, South Cambridgeshire and Huntingdonshire": [
        "Cambridge",
        "South Cambridgeshire",
        "Huntingdonshire",
    ],
    "Peterborough": ["Peterborough"],
}

# (value stored, label shown) for the kind of contact.
CONTACT_TYPES = [
    ("street_outreach", "Street outreach"),
    ("hostel_inreach", "Hostel in-reach"),
    ("prison_inreach", "Prison in-reach"),
    ("hospital_inreach", "Hospital in-reach"),
    ("home_visit", "Home visit"),
    ("phone", "Phone call"),
    ("appointment", "Appointment"),
    ("streetlink", "StreetLink alert follow-up"),
]

# MEAM advises at most 15 people per worker.
CASELOAD_CAP = 15

# Server-side session idle lifetime in days: workers may be offline for a week or more.
SESSION_DAYS = 30

# Sync limits (see the README's sync protocol).
SYNC_MAX_MUTATIONS = 100
SYNC_MAX_BYTES = 1_000_000
SYNC_PAGE_SIZE = 500
SYNC_DEFER_DAYS = 14

# Assessment instruments in use (README: Instruments), by instrument id, and how often each is due
# (days after the last final or not-done one; None = offered, with no due date). An instrument
# that requires a licence (the Outcomes Star) also needs the administrator's switch.
ASSESSMENT_CADENCE_DAYS = {"ndt": 90, "homelessness-star": 90}

# An NDT total at or above this "meets the programme's NDT threshold" on the person page. None =
# no threshold (none is published); a number applies to every NDT-type instrument, or give a dict
# {instrument id: threshold}.
NDT_ELIGIBILITY_THRESHOLD = None

# flask-limiter: in-memory storage is enough for one waitress process.
RATELIMIT_ENABLED = True
RATELIMIT_STORAGE_URI = "memory://"
RATELIMIT_HEADERS_ENABLED = True
RATELIMIT_LOGIN = "10 per minute"

# Cookies: the Flask session holds only the server-side session token.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "fieldapp_session"

# Argon2 settings come from argon2-cffi's defaults (argon2id, RFC 9106 low-memory profile).
# Password hashing (argon2id). None keeps argon2-cffi's defaults (RFC 9106 low-memory profile:
# 3 passes over 64 MiB, about half a second per login on a small server).
ARGON2_TIME_COST = None
ARGON2_MEMORY_COST = None  # KiB
ARGON2_PARALLELISM = None
WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: pages may sit open for hours

# Push notifications (fieldapp/push.py). The VAPID key pair is made in the instance folder.
VAPID_SUBJECT = "mailto:fieldapp-admin@example.org"  # set to your admin address or site URL
PUSH_TTL_SECONDS = 86400  # a phone without signal still gets it within a day
PUSH_TIMEOUT_SECONDS = 10
PUSH_IN_BACKGROUND = True  # a sync answer never waits for a push service


def districts(config):
    """All districts of all areas, in configured order."""
    return [d for ds in config["AREAS"].values() for d in ds]


def area_of(config, district):
    """The area a district belongs to, or None."""
    for area, ds in config["AREAS"].items():
        if district in ds:
            return area
    return None
