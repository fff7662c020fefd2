# Django project for tests/django_auth_live.rs: signed_cookies sessions,
# contrib.auth on SQLite, keys and trusted origins from the environment.
import json
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
SECRET_KEY_FALLBACKS = json.loads(os.environ.get("DJANGO_SECRET_KEY_FALLBACKS", "[]"))
CSRF_TRUSTED_ORIGINS = json.loads(os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "[]"))
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ["DJANGO_DB"],
    }
}
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {"context_processors": ["django.template.context_processors.csrf"]},
    }
]
LOGIN_REDIRECT_URL = "/whoami"
LOGOUT_REDIRECT_URL = "/whoami"
USE_TZ = True
