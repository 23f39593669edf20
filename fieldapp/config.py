"""Default settings for fieldapp: every setting the app reads, with its default, in one place.

Values a programme may want to change (areas, contact types, choice lists, caps, limits) are
settings, not constants in code: `create_app` loads this module into `app.config` first, so code
reads `app_config["NAME"]` and never carries a default of its own. A deployment overrides any of
them in `$FIELDAPP_INSTANCE/config.py`. The README lists every one (tests/test_readme.py checks).
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
# And its absolute lifetime: however busy, a session ends this many days after its password
# sign-in (ASVS 5.0 level 2 asks for both limits; README: Accounts and sessions says why these).
SESSION_MAX_DAYS = 90

# The phone's PIN lock (static/vault.js; README: Security, "On the phone"): a worker sets a PIN
# of at least PIN_MIN_DIGITS digits on each phone, which seals everything the phone keeps about
# people and signs what it sends (static/sealing.js); the app locks after PHONE_LOCK_MINUTES
# without use and whenever it is reopened, still sending what was saved, and PIN_ATTEMPTS wrong
# PINs in a row drop the phone's copies of people (never the unsent records). Off only for a
# deployment that accepts phones keeping people's records readable.
PHONE_LOCK = True
PHONE_LOCK_MINUTES = 5
PIN_ATTEMPTS = 5
PIN_MIN_DIGITS = 6
# PBKDF2-SHA-256 rounds that turn a PIN into the key wrapping the phone's data key, when it is
# set (OWASP's 2023 figure; the app refuses fewer unless TESTING: tests set a PIN hundreds of times).
PIN_ITERATIONS = 600000
# Minutes after signing in with the password in which a phone may set or replace its PIN.
PIN_RESET_MINUTES = 10

# A phone that has not reached the server for this many days stops showing its copies of people
# until it has synced (unsent records are kept and still sent): a lost phone found weeks later,
# or one left in a drawer, does not show a caseload that is no longer the worker's.
STALE_PHONE_DAYS = 14

# Retention (README: What a phone holds, and for how long). A person whose support closed this many
# days ago leaves every phone at its next sync (the server keeps them); one closed this many years
# ago is erased from the server by `fieldapp apply-retention` (a deployment's DPIA sets both).
PHONE_CLOSED_DAYS = 30
RETENTION_YEARS = 6
# Fields of a person's record that never reach a phone (README: Fields kept off phones): no pull
# carries them and no page a phone may keep shows them ("Not shown on phones" instead); they are
# seen and changed online only. A deployment may add other fields of the person record, but not
# those the phone's pages and scope need (fieldapp/records/person.py NEEDED_ON_PHONES).
PHONE_HIDDEN_FIELDS = ("current_address", "safe_contact_number", "safe_to_call", "safety_plan")
# Lone working (rules/retention.py): a visit, its check-ins and its escalations are erased by
# `fieldapp apply-retention` once this many days have passed since the server last heard of it
# (its last check-in, or an escalation closed); never while an escalation is open.
VISIT_RETENTION_DAYS = 90

# Sync limits (see the README's sync protocol). 250 mutations hold the write lock about 0.1 s
# (bench/sync_apply.py) and let a day's 500 records go in two requests.
SYNC_MAX_MUTATIONS = 250
SYNC_MAX_BYTES = 1_000_000
SYNC_PAGE_SIZE = 500
SYNC_DEFER_DAYS = 14
# How long a sync waits for the store's write lock before answering 503 busy (overload), and the
# Retry-After it then asks the phone to wait.
SYNC_LOCK_TIMEOUT_SECONDS = 2.0
SYNC_BUSY_RETRY_SECONDS = 5

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

# How many reverse proxies in front of the app to trust for X-Forwarded-For/-Proto/-Host/-Port
# (werkzeug's ProxyFix): 1 behind one HTTPS proxy (Caddy, nginx) on the same machine. 0 trusts
# none, so a client cannot claim another origin or address by sending the headers itself.
TRUSTED_PROXIES = 0

# Cookies: the Flask session holds only the server-side session token.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "fieldapp_session"
# The cookie is sent again only when the session changes (sign-in, a new CSRF token) or, to keep
# its expiry ahead of the idle limit (SESSION_DAYS, checked on the server), at most once an hour
# (guards.SessionCookies): not on every answer, where it cost 430 bytes each.
SESSION_REFRESH_EACH_REQUEST = False

# Answers compressed by the app itself (flask-compress), so `fieldapp serve` with no proxy sends
# HTML, JSON, JS and CSS compressed: brotli where the browser offers it (over https), else gzip.
# Answers under COMPRESS_MIN_SIZE bytes go as they are (compressing them gains nothing).
COMPRESS_ALGORITHM = ["br", "gzip"]
COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]  # static files are sent as streams
COMPRESS_MIN_SIZE = 500
COMPRESS_BR_LEVEL = 5  # a person's page: 7% smaller than brotli's default 4, in about 10 ms

# Password hashing (argon2id). None keeps argon2-cffi's defaults (RFC 9106 low-memory profile:
# 3 passes over 64 MiB, about half a second per login on a small server).
ARGON2_TIME_COST = None
ARGON2_MEMORY_COST = None  # KiB
ARGON2_PARALLELISM = None
WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session: pages may sit open for hours

# Push notifications (fieldapp/notify/push.py). The VAPID key pair is made in the instance folder.
VAPID_SUBJECT = "mailto:fieldapp-admin@example.org"  # set to your admin address or site URL
PUSH_TTL_SECONDS = 86400  # a phone without signal still gets it within a day
PUSH_TIMEOUT_SECONDS = 10
PUSH_IN_BACKGROUND = True  # a sync answer never waits for a push service
# The push services a subscription may point at (https only; "*." matches any subdomain): the
# browser vendors'. The server POSTs to these, so nothing else is accepted, never an address.
PUSH_SERVICE_HOSTS = ["fcm.googleapis.com", "updates.push.services.mozilla.com",
                      "*.notify.windows.com", "web.push.apple.com", "*.push.apple.com"]
# Tests only (ignored unless TESTING): the URL prefix of a push-service stand-in on 127.0.0.1.
PUSH_TEST_SERVICE = None

# Serve the terser-minified copies of our scripts (static/build/min/); FIELDAPP_UNMINIFIED=1 in the
# environment turns this off for debugging.
MINIFIED_SCRIPTS = True

# How often, at most, the server looks at the static files' sizes and times for a new release's
# (their content hashes are in every page's URLs): seconds. A page made within this long of a new
# release may still name the files it replaced (which are then answered with today's, revalidated).
STATIC_RECHECK_SECONDS = 1.0

# Where the programme works: weeks, months, shares and "today" are dates in this time zone.
PROGRAMME_TIMEZONE = "Europe/London"

# Milliseconds a page waits for the network before the phone shows its copy of it (static/sw.js
# slowLinkCopy), refreshing it in place when the network answers.
SLOW_LINK_MS = 300

# A coordinator shares a person with a colleague for at most this many days (a long absence).
SHARE_MAX_DAYS = 92

# The caseload lists first whoever has had no contact for this many days...
NO_CONTACT_DAYS = 14
# ... and whoever was assigned to the worker (as trusted person) in the last this many days.
NEWLY_ASSIGNED_DAYS = 7

# What a peer session may be for: (value, label); "Something else" (with a note) is always offered.
PEER_SESSION_PURPOSES = [
    ("emotional_support", "Emotional support"),
    ("recovery", "Recovery from drug or alcohol use"),
    ("housing", "Housing"),
    ("services", "Getting to services and appointments"),
    ("money", "Benefits and money"),
    ("activities", "Activities and meaningful use of time"),
    ("relationships", "Family, friends and relationships"),
]

# Partner agencies a person's consent may share with: id -> name. A partner agency worker's
# account names one of these ids.
PARTNER_AGENCIES = {"dwp-fenland": "DWP Jobcentre Wisbech",
                    "cgl": "Change Grow Live (drug and alcohol)",
                    "probation-fenland": "Probation Fenland",
                    "cpft": "Mental health (CPFT)"}

# Choice lists of a person's details, as (value stored, label shown).
AGE_BANDS = [("18-24", "18 to 24"), ("25-34", "25 to 34"), ("35-44", "35 to 44"),
             ("45-54", "45 to 54"), ("55-64", "55 to 64"), ("65+", "65 or over"),
             ("unknown", "Not known")]
GENDERS = [("woman", "Woman"), ("man", "Man"), ("non_binary", "Non-binary"),
           ("another_way", "In another way"), ("prefer_not_to_say", "Prefer not to say")]
# The 2021 Census's high-level groups, with Gypsy, Irish Traveller and Roma apart.
ETHNICITIES = [("asian", "Asian or Asian British"),
               ("black", "Black, Black British, Caribbean or African"),
               ("mixed", "Mixed or multiple ethnic groups"),
               ("white_british", "White: English, Welsh, Scottish, Northern Irish or British"),
               ("white_irish", "White: Irish"),
               ("gypsy_traveller_roma", "White: Gypsy, Irish Traveller or Roma"),
               ("white_other", "Any other White background"),
               ("other", "Another ethnic group"),
               ("prefer_not_to_say", "Prefer not to say")]
HOUSING_SITUATIONS = [("rough_sleeping", "Rough sleeping"), ("sofa_surfing", "Sofa surfing"),
                      ("temporary_accommodation", "Temporary accommodation"),
                      ("supported_accommodation", "Supported accommodation"),
                      ("hostel", "Hostel"), ("prison", "Prison"), ("hospital", "Hospital"),
                      ("settled_tenancy", "Settled tenancy"), ("other", "Other")]
EXIT_DESTINATIONS = [("settled_housing", "Settled housing"),
                     ("supported_housing", "Supported housing"),
                     ("another_service", "Support passed to another service"),
                     ("moved_away", "Moved out of the area"), ("custody", "Prison"),
                     ("hospital", "Hospital"), ("stopped_engaging", "Stopped engaging"),
                     ("died", "Died"), ("other", "Other")]


def districts(config):
    """All districts of all areas, in configured order."""
    return [d for ds in config["AREAS"].values() for d in ds]


def area_of(config, district):
    """The area a district belongs to, or None."""
    for area, ds in config["AREAS"].items():
        if district in ds:
            return area
    return None


# ------------------------------------------------------------------ accounts and sessions
# Sign-in throttling per account, beside RATELIMIT_LOGIN's per address: attempts at one username
# (or at changing one account's password) from anywhere, counted by flask-limiter. A phone the
# user has signed in on before, and not revoked, is not held back (it sends its device id).
RATELIMIT_LOGIN_ACCOUNT = "10 per minute"
# After this many wrong passwords in a row for one username (within LOGIN_LOCK_MINUTES of each
# other), sign-in with that username is locked for LOGIN_LOCK_MINUTES, for existing and unknown
# usernames alike; the user's own known, unrevoked phone still signs in with the right password.
# Each lock is in the audit trail (`login_locked`). 0 never locks.
LOGIN_FAILURES_BEFORE_LOCK = 5
LOGIN_LOCK_MINUTES = 15
# Whether the app is reached over HTTPS: None (the default) detects it per request (behind a
# proxy, only once the app trusts the proxy's X-Forwarded-Proto); True always, for a proxy that
# does not say; False never. Over HTTPS the session cookie is Secure and named with the
# `__Host-` prefix (`__Host-fieldapp_session`: only this origin over https can set or read it)
# and every answer carries Strict-Transport-Security (a year). Plain http on localhost (the
# demo) keeps `fieldapp_session`, as browsers do not store a Secure cookie there.
HTTPS = None


# ------------------------------------------------------------------ operations (README: Running it for real)
# Continuous replication with Litestream (fieldapp/replication.py, `fieldapp serve --replicate`,
# `fieldapp restore --from-replica`). REPLICA_URL is where every committed transaction is shipped:
# an S3-compatible bucket ("s3://bucket/fieldapp") or a mounted path ("file:///mnt/offsite/fieldapp").
# None: no replication.
REPLICA_URL = None
# How often Litestream ships the WAL's new pages to the replica: the most a phone's acknowledged
# records may wait on this machine alone (README: the replication window).
REPLICA_SYNC_INTERVAL_SECONDS = 1
# A full snapshot this often (restores replay the changes since the last one) and how far back a
# point-in-time restore (`--timestamp`) can go.
REPLICA_SNAPSHOT_HOURS = 24
REPLICA_RETENTION_HOURS = 168
# For an S3-compatible store other than AWS (MinIO, Ceph, a council's object store): its URL, region
# and credentials. None leaves them to Litestream (AWS's usual environment variables and files).
REPLICA_S3_ENDPOINT = None
REPLICA_S3_REGION = None
REPLICA_S3_ACCESS_KEY_ID = None
REPLICA_S3_SECRET_ACCESS_KEY = None
# Litestream's control socket, through which the app reads the replica's position (healthz, metrics).
# None: litestream.sock in the instance folder.
REPLICA_SOCKET = None
# Replication lag (seconds since Litestream last reached the replica) past which /healthz answers 503.
REPLICA_MAX_LAG_SECONDS = 60
# Close the window (on by default; only under `serve --replicate`): the sync endpoint answers only once Litestream has shipped the batch's commits
# to the replica (waiting at most REPLICA_ACK_TIMEOUT_SECONDS; past that, or with Litestream down,
# 503 and the phone keeps its outbox). Costs each sync that stores something one upload's time.
REPLICA_ACK_AFTER_REPLICATED = True
REPLICA_ACK_TIMEOUT_SECONDS = 10
# SQLite's automatic checkpoint, in WAL pages (its default 1000). `fieldapp serve --replicate` sets 0
# for the app it starts, as Litestream advises: Litestream is then the only checkpointer.
WAL_AUTOCHECKPOINT_PAGES = 1000

# /metrics (Prometheus): open to requests from the machine itself (127.0.0.1 or ::1, and not
# forwarded by a proxy); from anywhere else only with "Authorization: Bearer <METRICS_TOKEN>".
# None: loopback only (others get 404).
METRICS_TOKEN = None
# "Devices not synced for N days" in /metrics: these N.
METRICS_STALE_DEVICE_DAYS = [1, 7, 30]
# Structured logs: one JSON object per line on standard error (fieldapp/web/logs.py), each request's
# with its id and never a path, query, name or value. False keeps Python's and Flask's defaults.
JSON_LOGS = True

# ------------------------------------------------------------------ measures and returns
# Housing situations (HOUSING_SITUATIONS values) that count as stable housing in the measures.
STABLE_HOUSING = ["settled_tenancy", "supported_accommodation"]
# A reading (NDT) "at 3 months" is the one nearest engagement + 3 months within this many days
# either side; the first reading counts as the baseline if it is no later than this many days
# after engagement.
MEASURE_WINDOW_DAYS = 45
# The population each area's cohort is compared with for equality monitoring: per area, the
# adult population ("adults", used to weight several areas together) and the share (0 to 1) of
# each gender, ethnicity (GENDERS / ETHNICITIES values) and age band (AGE_BANDS values).
# EXAMPLE FIGURES, rounded from the 2021 Census for England: replace them with your area's own.
POPULATION = {
    area: {
        "adults": adults,
        "gender": {"woman": 0.51, "man": 0.49},
        "ethnicity": {"white_british": 0.82, "white_other": 0.07, "white_irish": 0.01,
                      "gypsy_traveller_roma": 0.01, "asian": 0.05, "black": 0.02,
                      "mixed": 0.015, "other": 0.005},
        "age_band": {"18-24": 0.10, "25-34": 0.16, "35-44": 0.16, "45-54": 0.17,
                     "55-64": 0.16, "65+": 0.25},
    }
    for area, adults in (("Fenland and East Cambridgeshire", 150_000),
                         ("Cambridge, South Cambridgeshire and Huntingdonshire", 400_000),
                         ("Peterborough", 160_000))
}
# The secret behind the per-person return's pseudonymous ids (rules/pseudonyms.py). None: the file
# `pseudonym_secret` in the instance folder, made at first start. Keep it as safe as the database.
PSEUDONYM_SECRET = None
# Housing situations (HOUSING_SITUATIONS values) that mean the person was in an institution: the
# rough-sleeping return counts someone seen bedded down after one as "leaving an institution".
INSTITUTIONS = ["prison", "hospital"]
# A barrier should be resolved within this many days of the day it happened: later, and still
# open or raised, it is flagged overdue; the measures count the share resolved within it.
BARRIER_TARGET_DAYS = 90
# The agencies a multi-agency (MDT) meeting about a person may record as present
# (fieldapp/records/mdt_meeting.py), as (value stored, label shown); a meeting needs two or more.
MDT_AGENCIES = [("housing", "Housing options or the council"), ("mental_health", "Mental health"),
                ("drug_alcohol", "Drug and alcohol service"), ("probation", "Probation"),
                ("police", "Police"), ("health", "GP or health"),
                ("adult_social_care", "Adult social care"), ("dwp", "DWP or Jobcentre"),
                ("domestic_abuse", "Domestic abuse service"), ("outreach", "Outreach team"),
                ("other", "Another agency")]

# ------------------------------------------------------------------ lone working
# rules/lone_working.py: minutes after a visit's deadline before it escalates (level 1: the buddy
# and whoever is on call), then minutes unanswered before level 2 (every coordinator of the area),
# and the cover an "I'm safe" (or a check-in whose time had passed when it arrived) gives from its
# arrival.
CHECKIN_GRACE_MINUTES = 15
ESCALATION_LEVEL2_MINUTES = 15
CHECKIN_SAFE_MINUTES = 30
# Minutes before the deadline the worker's phones get "Your check-in is due soon." (the server's
# push) and, while the app is open, the phone's own reminder (static/page/safety.js) (0: neither).
CHECKIN_REMINDER_MINUTES = 10

# ------------------------------------------------------------------ safeguarding
# rules/safeguarding.py: working days a concern may wait for the lead's decision before the area's
# coordinators are told (rules/working_days.py: Saturdays, Sundays and bank holidays skipped), and the duty line
# the concern form names when someone is at immediate risk (None: "your local authority's duty
# line"; e.g. "Cambridgeshire adult social care, 0345 045 5202" once checked locally).
SAFEGUARDING_DECISION_WORKING_DAYS = 1
# rules/working_days.py: whose bank holidays are not working days ("COUNTRY-SUBDIVISION" of the
# `holidays` package: "GB-ENG" is England and Wales, "GB-SCT" Scotland, "GB-NIR" Northern Ireland;
# None: weekends only), and further dates ("YYYY-MM-DD") that are not working days.
BANK_HOLIDAYS = "GB-ENG"
EXTRA_NON_WORKING_DAYS = []
SAFEGUARDING_DUTY_LINE = None
