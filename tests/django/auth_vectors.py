#!/usr/bin/env python3
"""Generates tests/vectors/django_auth.json from real Django 5.2.

    python3 -m venv /tmp/djvenv && /tmp/djvenv/bin/pip install -q 'Django==5.2.*'
    /tmp/djvenv/bin/python tests/django/auth_vectors.py > tests/vectors/django_auth.json

Every expected value comes from Django itself: the session auth hash from
`AbstractBaseUser.get_session_auth_hash` (and `salted_hmac`), masked tokens
from `django.middleware.csrf._mask_cipher_secret` with its mask fixed,
verdicts from `_check_token_format`/`_does_token_match`, from
`CsrfViewMiddleware._origin_verified` and from a whole
`CsrfViewMiddleware.process_view`, password hashes from
`PBKDF2PasswordHasher.encode`/`make_password` and verdicts from
`check_password`, and session effects from `django.contrib.auth.login`,
`logout` and `get_user` on the `signed_cookies` session backend with an
in-memory SQLite user table. The output is deterministic except for the
`random_tokens` (masks drawn by Django) and is committed frozen.
"""

import json
import sys

import django
from django.conf import settings

SECRET_KEY = "django-insecure-auth-vectors-\u03a9-0123456789abcdef"
FALLBACK = "django-insecure-previous-key-fedcba9876543210"
OTHER = "a-key-this-site-never-had"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
ALLOW_ALL = "django.contrib.auth.backends.AllowAllUsersModelBackend"

settings.configure(
    SECRET_KEY=SECRET_KEY,
    SECRET_KEY_FALLBACKS=[FALLBACK],
    ALLOWED_HOSTS=["*"],
    INSTALLED_APPS=[
        "django.contrib.auth",
        "django.contrib.contenttypes",
        "django.contrib.sessions",
    ],
    DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
    SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
    USE_TZ=True,
)
django.setup()

from django.contrib import auth  # noqa: E402
from django.contrib.auth.hashers import (  # noqa: E402
    PBKDF2PasswordHasher,
    check_password,
    identify_hasher,
    make_password,
)
from django.contrib.auth.models import User  # noqa: E402
from django.contrib.sessions.backends.signed_cookies import SessionStore  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.middleware import csrf  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402
from django.utils.crypto import salted_hmac  # noqa: E402

call_command("migrate", verbosity=0)
factory = RequestFactory()

SECRETS = [
    "abcdefghijklmnopqrstuvwxyzABCDEF",
    "0123456789012345678901234567890Z",
    "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "Q7mX2pL9vR4sT1wY8zB3nC6dF0gH5jK1",
]
MASKS = [
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "99999999999999999999999999999999",
    "ZYXWVUTSRQPONMLKJIHGFEDCBAzyxwvu",
    "k3J8s0PqW5eR2tY7uI1oA4sD6fG9hL0x",
]


def session_auth_hashes():
    cases = []
    password_hashes = [
        "pbkdf2_sha256$1000000$abcdefghijklmnopqrstuv$"
        "Y2FmZWJhYmVjYWZlYmFiZWNhZmViYWJlY2FmZWJhYmU=",
        "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2g",
        "!unusableXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "",
        "p\u00e4ssw\u00f6rd-hash-\u4e2d\u6587",
    ]
    secrets = [SECRET_KEY, FALLBACK, "k", "x" * 200, "\U0001f511 key"]
    for password_hash in password_hashes:
        for secret in secrets:
            with override_settings(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=[]):
                via_user = User(password=password_hash).get_session_auth_hash()
            direct = salted_hmac(
                "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash",
                password_hash,
                secret=secret,
                algorithm="sha256",
            ).hexdigest()
            assert via_user == direct
            cases.append({"password_hash": password_hash, "secret": secret, "hash": direct})
    return cases


def masks():
    cases = []
    original = csrf._get_new_csrf_string
    try:
        for secret in SECRETS:
            for mask in MASKS:
                csrf._get_new_csrf_string = lambda mask=mask: mask
                token = csrf._mask_cipher_secret(secret)
                assert csrf._unmask_cipher_token(token) == secret
                cases.append({"secret": secret, "mask": mask, "token": token})
    finally:
        csrf._get_new_csrf_string = original
    return cases


def random_tokens():
    """Tokens as Django's get_token makes them, with Django's random masks."""
    cases = []
    for secret in SECRETS:
        request = factory.get("/")
        request.META["CSRF_COOKIE"] = secret
        cases.append({"secret": secret, "token": csrf.get_token(request)})
    for _ in range(3):
        request = factory.get("/")
        token = csrf.get_token(request)
        cases.append({"secret": request.META["CSRF_COOKIE"], "token": token})
    return cases


def token_verdict(secret, token):
    try:
        csrf._check_token_format(token)
    except csrf.InvalidTokenFormat as exc:
        return exc.reason
    return "match" if csrf._does_token_match(token, secret) else "incorrect"


def token_verdicts():
    secret = SECRETS[0]
    other = SECRETS[4]
    original = csrf._get_new_csrf_string
    try:
        csrf._get_new_csrf_string = lambda: MASKS[3]
        masked = csrf._mask_cipher_secret(secret)
        masked_other = csrf._mask_cipher_secret(other)
    finally:
        csrf._get_new_csrf_string = original
    tokens = [
        masked,
        masked_other,
        secret,
        other,
        secret.upper(),
        "",
        secret[:31],
        secret + "a",
        masked[:63],
        masked + "a",
        secret[:31] + "-",
        masked[:63] + "_",
        secret[:31] + "\u00e9",
        masked[:63] + "\u00e9",
        " " + secret[1:],
        "\u00e9" * 32,
        secret + secret,
    ]
    return [{"secret": secret, "token": t, "verdict": token_verdict(secret, t)} for t in tokens]


def origin_verdicts():
    trusted_sets = [
        [],
        ["https://trusted.example.org"],
        ["https://*.example.com"],
        ["http://*.example.net:8080", "https://exact.test:8443"],
        ["https://*.EXAMPLE.com"],
    ]
    requests = [
        (True, "example.com", "https://example.com"),
        (True, "example.com", "http://example.com"),
        (False, "example.com", "http://example.com"),
        (False, "localhost:8000", "http://localhost:8000"),
        (False, "localhost:8000", "http://localhost:8001"),
        (True, "example.com", "https://example.com:443"),
        (True, "example.com", "https://example.com/"),
        (True, "example.com", "https://EXAMPLE.com"),
        (True, "example.com", "null"),
        (True, "example.com", ""),
        (True, "example.com", "https://trusted.example.org"),
        (True, "example.com", "https://trusted.example.org/"),
        (True, "example.com", "http://trusted.example.org"),
        (True, "other.test", "https://a.example.com"),
        (True, "other.test", "https://a.b.example.com"),
        (True, "other.test", "https://example.com"),
        (True, "other.test", "https://badexample.com"),
        (True, "other.test", "http://a.example.com"),
        (True, "other.test", "https://a.example.com:8443"),
        (True, "other.test", "HTTPS://a.example.com"),
        (True, "other.test", "https://A.example.com"),
        (True, "other.test", "http://a.example.net:8080"),
        (True, "other.test", "http://a.example.net"),
        (True, "other.test", "https://exact.test:8443"),
        (True, "other.test", "https://exact.test"),
        (True, "other.test", "https://[::1"),
        (True, "other.test", "https://[::1]:8000"),
        (True, "other.test", "https://[example.com]"),
        (True, "other.test", "https://a.example.com.evil.test"),
        (True, "other.test", "https://user@a.example.com"),
        (True, "other.test", " https://a.example.com"),
        (True, "[::1]:8000", "https://[::1]:8000"),
    ]
    cases = []
    for trusted in trusted_sets:
        with override_settings(CSRF_TRUSTED_ORIGINS=trusted):
            middleware = csrf.CsrfViewMiddleware(lambda request: HttpResponse())
            for secure, host, origin in requests:
                request = factory.post("/", secure=secure, HTTP_HOST=host, HTTP_ORIGIN=origin)
                cases.append(
                    {
                        "secure": secure,
                        "host": host,
                        "origin": origin,
                        "trusted_origins": trusted,
                        "verified": middleware._origin_verified(request),
                    }
                )
    return cases


def view(request):
    return HttpResponse()


def csrf_check(case):
    """The verdict of a whole CsrfViewMiddleware on one unsafe request."""
    with override_settings(
        CSRF_TRUSTED_ORIGINS=case["trusted_origins"],
        CSRF_COOKIE_DOMAIN=case["cookie_domain"],
    ):
        middleware = csrf.CsrfViewMiddleware(lambda request: HttpResponse())
        middleware._reject = lambda request, reason: reason
        extra = {"HTTP_HOST": case["host"]}
        host_port = case["host"].rsplit(":", 1)
        if len(host_port) == 2 and host_port[1].isdigit():
            extra["SERVER_PORT"] = host_port[1]
        for header, meta in [
            ("origin", "HTTP_ORIGIN"),
            ("referer", "HTTP_REFERER"),
            ("header_token", "HTTP_X_CSRFTOKEN"),
        ]:
            if case[header] is not None:
                extra[meta] = case[header]
        data = {}
        if case["form_token"] is not None:
            data["csrfmiddlewaretoken"] = case["form_token"]
        method = factory.post if case["method"] == "POST" else factory.put
        request = method("/", data=data, secure=case["secure"], **extra)
        if case["cookie"] is not None:
            request.COOKIES[settings.CSRF_COOKIE_NAME] = case["cookie"]
        middleware.process_request(request)
        verdict = middleware.process_view(request, view, (), {})
        return None if verdict is None else verdict


def csrf_checks():
    secret = SECRETS[0]
    original = csrf._get_new_csrf_string
    try:
        csrf._get_new_csrf_string = lambda: MASKS[2]
        masked = csrf._mask_cipher_secret(secret)
        masked_other = csrf._mask_cipher_secret(SECRETS[1])
    finally:
        csrf._get_new_csrf_string = original
    base = {
        "method": "POST",
        "secure": False,
        "host": "example.com",
        "origin": None,
        "referer": None,
        "cookie": secret,
        "form_token": masked,
        "header_token": None,
        "trusted_origins": [],
        "cookie_domain": None,
    }
    variants = [
        ("plain http, form token", {}),
        ("same origin", {"origin": "http://example.com"}),
        ("bad origin", {"origin": "https://evil.test"}),
        ("bad origin beats a bad token", {"origin": "https://evil.test", "form_token": "x"}),
        ("trusted wildcard origin", {"origin": "https://a.example.org", "trusted_origins": ["https://*.example.org"]}),
        ("https same origin", {"secure": True, "origin": "https://example.com"}),
        ("https no origin no referer", {"secure": True}),
        ("https referer same host", {"secure": True, "referer": "https://example.com/form/"}),
        ("https referer other host", {"secure": True, "referer": "https://evil.test/form/"}),
        ("https referer insecure", {"secure": True, "referer": "http://example.com/form/"}),
        ("https referer malformed", {"secure": True, "referer": "example.com/form/"}),
        ("https referer unparsable", {"secure": True, "referer": "https://[::1/"}),
        ("https referer trusted", {"secure": True, "referer": "https://a.example.org/", "trusted_origins": ["https://*.example.org"]}),
        ("https referer trusted exact", {"secure": True, "referer": "https://login.test/x", "trusted_origins": ["https://login.test"]}),
        ("https referer cookie domain", {"secure": True, "referer": "https://sub.example.com/", "cookie_domain": ".example.com"}),
        ("https referer cookie domain port", {"secure": True, "host": "example.com:8443", "referer": "https://sub.example.com:8443/", "cookie_domain": ".example.com"}),
        ("https referer cookie domain wrong port", {"secure": True, "host": "example.com:8443", "referer": "https://sub.example.com/", "cookie_domain": ".example.com"}),
        ("https referer host with port", {"secure": True, "host": "example.com:8443", "referer": "https://example.com:8443/"}),
        ("http ignores referer", {"referer": "https://evil.test/"}),
        ("no cookie", {"cookie": None}),
        ("empty cookie", {"cookie": ""}),
        ("short cookie", {"cookie": secret[:31]}),
        ("cookie with bad chars", {"cookie": secret[:31] + "!"}),
        ("masked cookie (pre-4.0)", {"cookie": masked}),
        ("no token", {"form_token": None}),
        ("empty form token, no header", {"form_token": ""}),
        ("empty form token, header", {"form_token": "", "header_token": masked}),
        ("form token short", {"form_token": masked[:63]}),
        ("form token bad chars", {"form_token": masked[:63] + "-"}),
        ("form token other secret", {"form_token": masked_other}),
        ("form token unmasked", {"form_token": secret}),
        ("form token wins over header", {"header_token": "bad"}),
        ("header token masked", {"form_token": None, "header_token": masked}),
        ("header token unmasked", {"form_token": None, "header_token": secret}),
        ("header token empty", {"form_token": None, "header_token": ""}),
        ("header token short", {"form_token": None, "header_token": "abc"}),
        ("header token bad chars", {"form_token": None, "header_token": secret[:31] + "."}),
        ("header token other secret", {"form_token": None, "header_token": masked_other}),
        ("put with header", {"method": "PUT", "form_token": None, "header_token": masked}),
        ("put without header", {"method": "PUT", "form_token": None}),
        ("no cookie beats bad token", {"cookie": None, "form_token": "bad"}),
    ]
    cases = []
    for name, changes in variants:
        case = dict(base, **changes)
        case["name"] = name
        case["verdict"] = csrf_check(case)
        cases.append(case)
    return cases


def passwords():
    made = []
    hasher = PBKDF2PasswordHasher()
    for password, salt, iterations in [
        ("password", "salt", 1),
        ("password", "salt", 2),
        ("correct horse battery staple", "seasalt", 1000),
        ("p\u00e4ssw\u00f6rd", "abcdefghijklmnopqrstuv", 10000),
        ("\u5bc6\u7801\U0001f511", "s\u00e4lt-\u4e2d", 100),
        ("", "emptypw", 1000),
        ("x" * 200, "longpassword", 1000),
        ("wonderland", "Z9yX8wV7uT6sR5qP4oN3mL", 1_000_000),
    ]:
        encoded = hasher.encode(password, salt, iterations)
        made.append({"password": password, "salt": salt, "iterations": iterations, "encoded": encoded})
    made.append(
        {
            "password": "default",
            "salt": "djangoDefaultSalt12345",
            "iterations": 1_000_000,
            "encoded": make_password("default", "djangoDefaultSalt12345"),
        }
    )
    good = made[2]["encoded"]
    checks = []
    candidates = [(m["password"], m["encoded"]) for m in made] + [
        ("wrong", good),
        ("correct horse battery staple", good[:-1] + ("A" if good[-1] != "A" else "B")),
        ("correct horse battery staple", good.replace("$1000$", "$01000$")),
        ("correct horse battery staple", good.replace("$1000$", "$0$")),
        ("correct horse battery staple", good.replace("$1000$", "$ 1000$")),
        ("correct horse battery staple", good.replace("$1000$", "$1001$")),
        ("correct horse battery staple", good + "="),
        ("pw", "!" + "x" * 40),
        ("pw", make_password(None)),
        ("pw", "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdHNhbHQ$aGFzaGhhc2g"),
        ("pw", "bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuu3Ld1Na7kOOk0o5n8o0r9iO4A7QP9EAq"),
        ("pw", make_password("pw", "scryptsalt", "scrypt")),
        ("pw", "md5$md5salt$0123456789abcdef0123456789abcdef"),
        ("pw", "0123456789abcdef0123456789abcdef"),
        ("pw", "pbkdf2_sha1$1000$salt$aGFzaA=="),
        ("pw", "unknown$1$2$3"),
        ("pw", ""),
    ]
    for password, encoded in candidates:
        try:
            algorithm = identify_hasher(encoded).algorithm
        except ValueError:
            algorithm = None
        try:
            result = check_password(password, encoded)
        except Exception as exc:  # noqa: BLE001 - record what Django does
            result = "error: " + type(exc).__name__
        checks.append({"password": password, "encoded": encoded, "algorithm": algorithm, "django": result})
    return {"made": made, "checks": checks}


# --- login, logout, get_user on signed_cookies sessions -------------------

SENTINEL = "sentinel-session-key"
PASSWORDS = {}


def user(username, password, is_active=True):
    u = User(username=username, is_active=is_active)
    u.password = PBKDF2PasswordHasher().encode(password, username + "-salt-0123456789", 1000)
    u.save()
    PASSWORDS[u.pk] = u.password
    return u


def pairs(items):
    """A session as [key, value] pairs: its order survives any JSON reader."""
    return [[key, value] for key, value in items]


def make_request(data):
    request = factory.get("/")
    session = SessionStore()
    # As if loaded from a cookie holding `data` (no load() from the sentinel).
    session._session_cache = dict(data)
    session.modified = False
    session._session_key = SENTINEL
    request.session = session
    request.META["CSRF_COOKIE"] = SECRETS[0]
    return request


def effects(request, before_csrf=SECRETS[0]):
    session = request.session
    return {
        "session_after": pairs(session.items()),
        "flushed": session._session_key is None,
        "cycled": session._session_key not in (None, SENTINEL),
        "modified": bool(session.modified),
        "csrf_rotated": request.META.get("CSRF_COOKIE") != before_csrf,
    }


def logged_in_session(u, secret=SECRET_KEY, extra=None, backend=MODEL_BACKEND):
    with override_settings(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=[]):
        request = make_request(extra or {})
        auth.login(request, u, backend=backend)
        return dict(request.session.items())


def users_table():
    return {
        str(pk): {"password": User.objects.get(pk=pk).password, "is_active": User.objects.get(pk=pk).is_active}
        for pk in PASSWORDS
    }


def auth_cases():
    alice = user("alice", "wonderland")
    bob = user("bob", "builder")
    carol = user("carol", "inactive", is_active=False)
    ghost = user("ghost", "gone")
    ghost_id = ghost.pk
    ghost_session = logged_in_session(ghost)
    ghost.delete()
    PASSWORDS.pop(ghost_id)

    alice_session = logged_in_session(alice, extra={"cart": [1, 2, 3]})
    alice_old = logged_in_session(alice, secret=FALLBACK, extra={"cart": [1, 2, 3]})
    alice_other = logged_in_session(alice, secret=OTHER, extra={"cart": [1]})
    carol_session = logged_in_session(carol, backend=ALLOW_ALL)
    alice_allow_all = logged_in_session(alice, backend=ALLOW_ALL)
    alice_changed = dict(alice_session)
    alice_changed["_auth_user_hash"] = logged_in_session(bob)["_auth_user_hash"]

    login_cases = []
    for name, before, who, backend in [
        ("anonymous with data", {"cart": [1, 2], "theme": "dark"}, alice, None),
        ("empty session", {}, alice, None),
        ("same user again", alice_session, alice, None),
        ("another user present", alice_session, bob, None),
        ("same user, fallback-key hash", alice_old, alice, None),
        ("same user, unknown-key hash", alice_other, alice, None),
        ("same user, no hash", {"_auth_user_id": str(alice.pk), "cart": [1]}, alice, None),
        ("same user, integer id", dict(alice_session, _auth_user_id=alice.pk), alice, None),
        ("explicit backend", {"cart": [1]}, alice, ALLOW_ALL),
    ]:
        request = make_request(before)
        auth.login(request, who, backend=backend or MODEL_BACKEND)
        case = {
            "name": name,
            "session_before": pairs(before.items()),
            "user_id": str(who.pk),
            "password_hash": who.password,
            "backend": backend or MODEL_BACKEND,
        }
        case.update(effects(request))
        login_cases.append(case)

    logout_cases = []
    for name, before in [("logged in", alice_session), ("anonymous", {"cart": [1]})]:
        request = make_request(before)
        request.user = alice
        auth.logout(request)
        case = {"name": name, "session_before": pairs(before.items())}
        case.update(effects(request))
        logout_cases.append(case)

    get_user_cases = []
    for name, before, backends in [
        ("empty session", {}, [MODEL_BACKEND]),
        ("current hash", alice_session, [MODEL_BACKEND]),
        ("fallback-key hash", alice_old, [MODEL_BACKEND]),
        ("unknown-key hash", alice_other, [MODEL_BACKEND]),
        ("password changed", alice_changed, [MODEL_BACKEND]),
        ("no hash", {k: v for k, v in alice_session.items() if k != "_auth_user_hash"}, [MODEL_BACKEND]),
        ("empty hash", dict(alice_session, _auth_user_hash=""), [MODEL_BACKEND]),
        ("non-string hash", dict(alice_session, _auth_user_hash=123), [MODEL_BACKEND]),
        ("no backend key", {k: v for k, v in alice_session.items() if k != "_auth_user_backend"}, [MODEL_BACKEND]),
        ("no user key", {k: v for k, v in alice_session.items() if k != "_auth_user_id"}, [MODEL_BACKEND]),
        ("backend not configured", alice_allow_all, [MODEL_BACKEND]),
        ("second configured backend", alice_allow_all, [MODEL_BACKEND, ALLOW_ALL]),
        ("inactive user, ModelBackend", dict(carol_session, _auth_user_backend=MODEL_BACKEND), [MODEL_BACKEND]),
        ("inactive user, AllowAllUsersModelBackend", carol_session, [ALLOW_ALL]),
        ("deleted user", ghost_session, [MODEL_BACKEND]),
        ("integer user id", dict(alice_session, _auth_user_id=alice.pk), [MODEL_BACKEND]),
    ]:
        with override_settings(AUTHENTICATION_BACKENDS=backends):
            request = make_request(before)
            found = auth.get_user(request)
        case = {
            "name": name,
            "backends": backends,
            "session_before": pairs(before.items()),
            "authenticated": bool(found.is_authenticated),
            "user_id": str(found.pk) if found.is_authenticated else None,
        }
        case.update(effects(request))
        get_user_cases.append(case)

    return {
        "secret_key": SECRET_KEY,
        "fallback_keys": [FALLBACK],
        "users": users_table(),
        "login": login_cases,
        "logout": logout_cases,
        "get_user": get_user_cases,
    }


def main():
    out = {
        "django_version": django.get_version(),
        "python_version": sys.version.split()[0],
        "session_auth_hash": session_auth_hashes(),
        "csrf_masks": masks(),
        "csrf_random_tokens": random_tokens(),
        "csrf_token_verdicts": token_verdicts(),
        "csrf_origins": origin_verdicts(),
        "csrf_checks": csrf_checks(),
        "pbkdf2": passwords(),
        "auth": auth_cases(),
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
