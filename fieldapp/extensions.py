"""Flask extensions shared by the blueprints, bound to the app in `create_app`."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# In-memory storage (RATELIMIT_STORAGE_URI): one waitress process serves the whole programme.
limiter = Limiter(key_func=get_remote_address)
login_manager = LoginManager()
