#!/usr/bin/env python3
"""Generates tests/vectors/signing.json from real Django 5.2 and itsdangerous 2.2.

    python3 -m venv /tmp/pyv && /tmp/pyv/bin/pip install -q 'Django==5.2.19' 'itsdangerous==2.2.0'
    /tmp/pyv/bin/python tests/signing/vectors.py > tests/vectors/signing.json

Frozen vectors for the plain signing formats, one case per call:

- `django-signer`: `django.core.signing.Signer` / `TimestampSigner`
  `.sign(value)` and `.unsign(signed[, max_age])`, keys passed explicitly.
- `django-cookie`: `HttpResponse.set_signed_cookie` (the Morsel's unquoted
  `.value`) and `HttpRequest.get_signed_cookie` under `override_settings`
  for the keys and `SIGNED_COOKIE_LEGACY_SALT_FALLBACK`. Cookies signed with
  the pre-v2 ("legacy") salt are made by Django's own
  `get_cookie_signer(salt=_cookie_signer_legacy_salt(name, salt))`.
- `itsdangerous`: `Signer` / `TimestampSigner` `.sign`/`.unsign`, and
  `URLSafeSerializer` / `URLSafeTimedSerializer` `.dumps`/`.loads` as the
  `encode`/`decode` ops. Our `secret` is the newest key and `fallback` runs
  newest to oldest, so itsdangerous gets `reversed(fallback) + [secret]`.
  Payloads that no signer would write (bad base64, zlib, JSON) are signed
  with the serializer's own `make_signer()`.

Every `output` and `error` comes from Django or itsdangerous themselves; the
script computes nothing but inputs (tampering flips one character to `A`, or
to `B` when it already is `A`). Clocks are frozen with `unittest.mock.patch`
on `django.core.signing.time.time` and `itsdangerous.timed.time.time` at the
case's `now`; untimed cases run with a clock that raises if it is read.
Errors map from the exception actually raised:

- `expired`: `SignatureExpired` (itsdangerous also raises it for a
  timestamp in the future when a max age is given).
- `bad-payload`: itsdangerous `BadPayload`, and an authentic value whose
  timestamp field is there but unreadable: itsdangerous `BadTimeSignature`
  "Malformed timestamp", and (only in the cases named `.../odd-timestamp/...`
  that say so) the `ValueError` or `IndexError` that Django's
  `TimestampSigner` raises when the field is not base62.
- `malformed`: `BadSignature('No "<sep>" found in value')`, and an authentic
  value with no timestamp field at all: itsdangerous `BadTimeSignature`
  "timestamp missing", Django's `ValueError` from unpacking the split.
- `bad-signature`: any other `BadSignature` (including itsdangerous
  `BadTimeSignature` for a mismatch).

Tampered signatures are kept to strict-base64 spellings: none of these cases
depends on Python's lenient base64 decoder. Compressed `encode` outputs (`.`
prefix) are the deflate stream of the zlib Python links (1.2.13 here, level
6). Cases named `.../odd-timestamp/...` hold authentic or forged values with a
timestamp no signer writes (leading zeros, zero, negative, empty, too long);
they record what the library does with them. The output is deterministic.
"""

import hashlib
import json
import sys
import zlib
from contextlib import contextmanager
from importlib.metadata import version
from unittest import mock

import django
from django.conf import settings

settings.configure(
    SECRET_KEY="settings-key-never-used-by-a-case",
    SECRET_KEY_FALLBACKS=[],
    ALLOWED_HOSTS=["*"],
)
django.setup()

import itsdangerous  # noqa: E402
import itsdangerous.timed  # noqa: E402,F401 - the patched clock lives there
from django.core import signing  # noqa: E402
from django.http import HttpResponse  # noqa: E402
from django.test import RequestFactory, override_settings  # noqa: E402
from itsdangerous.encoding import base64_encode  # noqa: E402

GENERATOR = "tests/signing/vectors.py"
SECRET = "signing-vectors-secret-0123456789abcdef"
FALLBACK_1 = "previous-key-fedcba9876543210"
FALLBACK_2 = "oldest-key-00112233445566778899"
OTHER = "a-key-this-site-never-had"
UNICODE_SECRET = "cl\u00e9-secr\u00e8te-\u79d8\u5bc6-\U0001f511"
NOW = 1700000000
UNICODE_VALUE = "h\u00e9llo w\u00f6rld \u4e2d\u6587 \U0001f36a"
VALUES = ["hello", "", UNICODE_VALUE, "user:42:admin", "a.b|c/d~e f"]
NON_ASCII_SALT = "s\u00e4lted"

DJANGO_TS_SALT = "django.core.signing.TimestampSigner"
OPTION_ORDER = [
    "secret", "fallback", "salt", "sep", "algorithm", "digest", "key-derivation",
    "timestamp", "name", "no-legacy-salt", "max-age",
]

factory = RequestFactory()
CASES = []


def unread_clock():
    raise AssertionError("an untimed case read the clock")


@contextmanager
def frozen(now):
    clock = {"side_effect": unread_clock} if now is None else {"return_value": now}
    with mock.patch("django.core.signing.time.time", **clock), mock.patch(
        "itsdangerous.timed.time.time", **clock
    ):
        yield


def timestamped(fmt, options):
    return fmt == "django-cookie" or bool(options.get("timestamp"))


# --- Django ----------------------------------------------------------------


def django_signer(options):
    cls = signing.TimestampSigner if options.get("timestamp") else signing.Signer
    return cls(
        key=options["secret"],
        fallback_keys=list(options.get("fallback", [])),
        salt=options.get("salt"),
        sep=options.get("sep", ":"),
        algorithm=options.get("algorithm"),
    )


def cookie_settings(options):
    return override_settings(
        SECRET_KEY=options["secret"],
        SECRET_KEY_FALLBACKS=list(options.get("fallback", [])),
        SIGNED_COOKIE_LEGACY_SALT_FALLBACK=not options.get("no-legacy-salt", False),
    )


def run_django_signer(op, options, text):
    signer = django_signer(options)
    if op == "sign":
        return signer.sign(text)
    if options.get("timestamp"):
        return signer.unsign(text, max_age=options.get("max-age"))
    return signer.unsign(text)


def run_django_cookie(op, options, text):
    name = options["name"]
    salt = options.get("salt", "")
    with cookie_settings(options):
        if op == "sign":
            response = HttpResponse()
            response.set_signed_cookie(name, text, salt=salt)
            return response.cookies[name].value
        request = factory.get("/")
        request.COOKIES[name] = text
        return request.get_signed_cookie(name, salt=salt, max_age=options.get("max-age"))


def django_error(exc):
    if isinstance(exc, signing.SignatureExpired):
        return "expired"
    if isinstance(exc, signing.BadSignature):
        message = str(exc)
        if message.startswith('No "') and message.endswith('" found in value'):
            return "malformed"
        return "bad-signature"
    return None


# --- itsdangerous ------------------------------------------------------------


def its_keys(options):
    return list(reversed(options.get("fallback", []))) + [options["secret"]]


def its_signer_kwargs(options):
    kwargs = {}
    if "sep" in options:
        kwargs["sep"] = options["sep"]
    if "key-derivation" in options:
        kwargs["key_derivation"] = options["key-derivation"]
    if "digest" in options:
        kwargs["digest_method"] = getattr(hashlib, options["digest"])
    return kwargs


def its_signer(options):
    cls = itsdangerous.TimestampSigner if options.get("timestamp") else itsdangerous.Signer
    kwargs = its_signer_kwargs(options)
    if "salt" in options:
        kwargs["salt"] = options["salt"]
    return cls(its_keys(options), **kwargs)


def its_serializer(options):
    cls = (
        itsdangerous.URLSafeTimedSerializer
        if options.get("timestamp")
        else itsdangerous.URLSafeSerializer
    )
    kwargs = {"signer_kwargs": its_signer_kwargs(options)}
    if "salt" in options:
        kwargs["salt"] = options["salt"]
    return cls(its_keys(options), **kwargs)


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def run_itsdangerous(op, options, text):
    if op in ("sign", "unsign"):
        signer = its_signer(options)
        if op == "sign":
            return signer.sign(text).decode("utf-8")
        if options.get("timestamp"):
            return signer.unsign(text, max_age=options.get("max-age")).decode("utf-8")
        return signer.unsign(text).decode("utf-8")
    serializer = its_serializer(options)
    if op == "encode":
        return serializer.dumps(json.loads(text))
    if options.get("timestamp"):
        return compact(serializer.loads(text, max_age=options.get("max-age")))
    return compact(serializer.loads(text))


def its_error(exc):
    if isinstance(exc, itsdangerous.SignatureExpired):
        return "expired"
    if isinstance(exc, itsdangerous.BadPayload):
        return "bad-payload"
    if isinstance(exc, itsdangerous.BadTimeSignature) and exc.message == "Malformed timestamp":
        return "bad-payload"
    if isinstance(exc, itsdangerous.BadTimeSignature) and exc.message == "timestamp missing":
        return "malformed"
    if isinstance(exc, itsdangerous.BadSignature):
        if exc.message.startswith("No ") and exc.message.endswith(" found in value"):
            return "malformed"
        return "bad-signature"
    return None


RUNNERS = {
    "django-signer": (run_django_signer, django_error),
    "django-cookie": (run_django_cookie, django_error),
    "itsdangerous": (run_itsdangerous, its_error),
}


# --- cases -----------------------------------------------------------------


def ordered(options):
    unknown = set(options) - set(OPTION_ORDER)
    assert not unknown, unknown
    return {key: options[key] for key in OPTION_ORDER if key in options}


def run(fmt, op, options, text, now=None, crash_ok=False):
    """(output, error) from the real library, with the clock at `now`."""
    runner, classify = RUNNERS[fmt]
    assert timestamped(fmt, options) == (now is not None), (fmt, options, now)
    with frozen(now):
        try:
            return runner(op, options, text), None
        except Exception as exc:  # noqa: BLE001 - classified below
            error = classify(exc)
            if error is None:
                if not crash_ok:
                    raise
                assert isinstance(exc, (ValueError, IndexError)), exc
                # No second separator: the split does not unpack. Otherwise
                # the field is there and base62 decoding failed.
                missing = "not enough values to unpack" in str(exc)
                error = "malformed" if missing else "bad-payload"
            return None, error


def add(name, fmt, op, options, text, now=None, expect=None, crash_ok=False):
    """Record one case and return its output. `expect` only guards the
    generator against a mistaken set-up: it never decides a value."""
    options = ordered(options)
    output, error = run(fmt, op, options, text, now, crash_ok)
    if expect is not None:
        assert (error or "ok") == expect, (name, error, output)
    case = {"name": name, "format": fmt, "op": op, "options": options}
    if now is not None:
        case["now"] = now
    case["input"] = text
    case["output"] = output
    case["error"] = error
    CASES.append(case)
    return output


def make(fmt, op, options, text, now=None):
    """Like `add` but for an input only: nothing is recorded."""
    output, error = run(fmt, op, ordered(options), text, now)
    assert error is None, (fmt, options, text, error)
    return output


def flip(text, index):
    char = "B" if text[index] == "A" else "A"
    return text[:index] + char + text[index + 1 :]


def ts_index(signed, sep):
    """Where the timestamp starts in value<sep>timestamp<sep>signature."""
    return signed.rindex(sep, 0, signed.rindex(sep)) + len(sep)


def sig_index(signed, sep):
    """Where the signature starts."""
    return signed.rindex(sep) + len(sep)


def add_pair(name, fmt, options, value, now=None, serializer=False):
    """A sign (encode) case and the unsign (decode) of its output, both at
    `now`; `{op}` in `name` becomes the op."""
    sign_op, unsign_op = ("encode", "decode") if serializer else ("sign", "unsign")
    signed = add(name.replace("{op}", sign_op), fmt, sign_op, options, value, now)
    add(name.replace("{op}", unsign_op), fmt, unsign_op, options, signed, now, expect="ok")
    return signed


def ts_label(timestamp):
    return "timestamp" if timestamp else "plain"


def django_signer_cases():
    f = "django-signer"
    base = {"secret": SECRET}
    value_names = ["ascii", "empty", "unicode", "contains-sep", "punctuation"]
    for timestamp in (False, True):
        kind = ts_label(timestamp)
        opts = dict(base, timestamp=True) if timestamp else dict(base)
        now = NOW if timestamp else None
        for value, label in zip(VALUES, value_names):
            add_pair(f"{f}/{{op}}/{kind}/default/{label}", f, opts, value, now)
        for algorithm, value in [("sha1", "hello"), ("sha256", "hello"), ("sha512", UNICODE_VALUE)]:
            add_pair(f"{f}/{{op}}/{kind}/{algorithm}", f, dict(opts, algorithm=algorithm), value, now)
        for sep, label in [("/", "slash"), ("|", "pipe"), ("~~", "double-tilde"), (".", "dot")]:
            add_pair(f"{f}/{{op}}/{kind}/sep-{label}", f, dict(opts, sep=sep), "one" + sep + "two", now)
        add_pair(
            f"{f}/{{op}}/{kind}/sha512/sep-pipe/salt",
            f, dict(opts, algorithm="sha512", sep="|", salt="my-app.sessions"), "user|42", now,
        )
        for salt, label in [("my-app.sessions", "custom"), (NON_ASCII_SALT, "non-ascii"), ("", "empty")]:
            add_pair(f"{f}/{{op}}/{kind}/salt-{label}", f, dict(opts, salt=salt), "hello", now)
        add_pair(f"{f}/{{op}}/{kind}/unicode-secret", f, dict(opts, secret=UNICODE_SECRET), UNICODE_VALUE, now)
        add_pair(f"{f}/{{op}}/{kind}/long-value", f, opts, "x" * 300 + ":" + "y" * 300, now)

        # Keys: signing always uses `secret`; unsigning tries fallbacks in order.
        ring = dict(opts, fallback=[FALLBACK_1, FALLBACK_2])
        add(f"{f}/sign/{kind}/with-fallbacks-signs-with-secret", f, "sign", ring, "hello", now)
        for key, label, expect in [
            (FALLBACK_1, "first-fallback", "ok"),
            (FALLBACK_2, "second-fallback", "ok"),
            (OTHER, "unknown-key", "bad-signature"),
        ]:
            signed = make(f, "sign", dict(opts, secret=key), "hello", now)
            add(f"{f}/unsign/{kind}/{label}", f, "unsign", ring, signed, now, expect)
        signed = make(f, "sign", opts, "hello", now)
        add(
            f"{f}/unsign/{kind}/wrong-secret-right-fallback", f, "unsign",
            dict(opts, secret=OTHER, fallback=[FALLBACK_1, SECRET]), signed, now, "ok",
        )
        add(f"{f}/unsign/{kind}/no-fallback-wrong-secret", f, "unsign", dict(opts, secret=OTHER), signed, now, "bad-signature")

        # Tampering and mismatched options.
        sep = ":"
        signed = make(f, "sign", opts, "hello", now)
        add(f"{f}/unsign/{kind}/tampered-value", f, "unsign", opts, flip(signed, 0), now, "bad-signature")
        add(f"{f}/unsign/{kind}/tampered-signature", f, "unsign", opts, flip(signed, sig_index(signed, sep)), now, "bad-signature")
        add(f"{f}/unsign/{kind}/tampered-signature-last-char", f, "unsign", opts, flip(signed, len(signed) - 1), now, "bad-signature")
        if timestamp:
            add(f"{f}/unsign/{kind}/tampered-timestamp", f, "unsign", opts, flip(signed, ts_index(signed, sep)), now, "bad-signature")
        add(f"{f}/unsign/{kind}/signature-removed", f, "unsign", opts, signed[: sig_index(signed, sep)], now, "bad-signature")
        add(f"{f}/unsign/{kind}/signature-extra-char", f, "unsign", opts, signed + "A", now, "bad-signature")
        add(f"{f}/unsign/{kind}/wrong-salt", f, "unsign", dict(opts, salt="another-salt"), signed, now, "bad-signature")
        add(f"{f}/unsign/{kind}/wrong-algorithm", f, "unsign", dict(opts, algorithm="sha1"), signed, now, "bad-signature")
        add(f"{f}/unsign/{kind}/wrong-sep-absent", f, "unsign", dict(opts, sep="/"), signed, now, "malformed")
        add(f"{f}/unsign/{kind}/no-sep", f, "unsign", opts, "hello", now, "malformed")
        add(f"{f}/unsign/{kind}/empty-input", f, "unsign", opts, "", now, "malformed")
        slashed = make(f, "sign", dict(opts, sep="/"), "a:b", now)
        add(f"{f}/unsign/{kind}/wrong-sep-present", f, "unsign", opts, slashed, now, "bad-signature")
        other_kind = make(f, "sign", {"secret": SECRET} if timestamp else dict(base, timestamp=True), "hello", None if timestamp else NOW)
        add(f"{f}/unsign/{kind}/signed-by-the-other-signer-class", f, "unsign", opts, other_kind, now, "bad-signature")

    # Expiry (TimestampSigner): Django compares float time.time() - ts > max_age.
    ts = {"secret": SECRET, "timestamp": True}
    signed = make(f, "sign", ts, "hello", NOW)
    for label, now, max_age, expect in [
        ("age-equals-max-age", NOW + 60, 60, "ok"),
        ("age-exceeds-by-half-second", NOW + 60.5, 60, "expired"),
        ("age-exceeds-by-one-second", NOW + 61, 60, "expired"),
        ("float-max-age-equal", NOW + 0.5, 0.5, "ok"),
        ("float-max-age-exceeded", NOW + 0.75, 0.5, "expired"),
        ("zero-max-age-same-second", NOW, 0, "ok"),
        ("zero-max-age-half-second-later", NOW + 0.5, 0, "expired"),
        ("no-max-age-years-later", NOW + 10 * 365 * 86400, None, "ok"),
        ("future-timestamp-not-checked", NOW - 3600, 60, "ok"),
    ]:
        options = dict(ts) if max_age is None else dict(ts, **{"max-age": max_age})
        add(f"{f}/unsign/timestamp/expiry/{label}", f, "unsign", options, signed, now, expect)
    # Signed at a fractional second: the timestamp is int(time.time()).
    fractional = add(f"{f}/sign/timestamp/fractional-now", f, "sign", ts, "hello", NOW + 0.9)
    add(f"{f}/unsign/timestamp/expiry/fractional-sign-age-equal", f, "unsign", dict(ts, **{"max-age": 10}), fractional, NOW + 10, "ok")
    add(f"{f}/unsign/timestamp/expiry/fractional-sign-age-over", f, "unsign", dict(ts, **{"max-age": 10}), fractional, NOW + 10.5, "expired")
    expired_tampered = flip(signed, sig_index(signed, ":"))
    add(f"{f}/unsign/timestamp/expiry/tampered-and-expired", f, "unsign", dict(ts, **{"max-age": 60}), expired_tampered, NOW + 3600, "bad-signature")
    ring = dict(ts, fallback=[FALLBACK_1], **{"max-age": 60})
    old_key = make(f, "sign", dict(ts, secret=FALLBACK_1), "hello", NOW)
    add(f"{f}/unsign/timestamp/expiry/fallback-key-expired", f, "unsign", ring, old_key, NOW + 61, "expired")
    add(f"{f}/unsign/timestamp/expiry/fallback-key-fresh", f, "unsign", ring, old_key, NOW + 60, "ok")

    # Authentic values (signed under the TimestampSigner salt) whose timestamp
    # field is odd: Django's base62 decoder decides.
    plain = {"secret": SECRET, "salt": DJANGO_TS_SALT}
    for label, inner, max_age in [
        ("leading-zero", "hello:0" + signing.b62_encode(NOW), 60),
        ("zero", "hello:0", None),
        ("zero-with-max-age", "hello:0", 60),
        ("negative", "hello:-1", None),
        ("far-future", "hello:" + signing.b62_encode(NOW + 10**6), 60),
        ("not-base62", "hello:!!", None),
        ("empty", "hello:", None),
        ("missing", "hello", None),
    ]:
        signed = make(f, "sign", plain, inner)
        options = dict(ts) if max_age is None else dict(ts, **{"max-age": max_age})
        add(f"{f}/unsign/timestamp/odd-timestamp/{label}", f, "unsign", options, signed, NOW, crash_ok=True)


def django_cookie_cases():
    f = "django-cookie"
    base = {"secret": SECRET, "name": "sessionid"}
    value_names = ["ascii", "empty", "unicode", "contains-sep", "punctuation"]
    for value, label in zip(VALUES, value_names):
        add_pair(f"{f}/{{op}}/default-salt/{label}", f, base, value, NOW)
    for salt, label in [("my-app.prefs", "custom"), (NON_ASCII_SALT, "non-ascii"), ("\u4e2d\u6587", "cjk")]:
        add_pair(f"{f}/{{op}}/salt-{label}", f, dict(base, salt=salt), "hello", NOW)
    add_pair(f"{f}/{{op}}/name-with-dots", f, dict(base, name="my-cookie.v1"), "hello", NOW)
    add_pair(f"{f}/{{op}}/unicode-secret", f, dict(base, secret=UNICODE_SECRET), UNICODE_VALUE, NOW)
    add_pair(f"{f}/{{op}}/no-legacy-salt", f, dict(base, **{"no-legacy-salt": True}), "hello", NOW)
    add_pair(f"{f}/{{op}}/fractional-now", f, base, "hello", NOW + 0.9)
    add(f"{f}/sign/with-fallbacks-signs-with-secret", f, "sign", dict(base, fallback=[FALLBACK_1]), "hello", NOW)

    # A name Django's SimpleCookie refuses to set can still be read.
    odd_name = dict(base, name="caf\u00e9", salt=NON_ASCII_SALT)
    with cookie_settings(odd_name), frozen(NOW):
        signed = signing.get_cookie_signer(
            salt=signing._cookie_signer_salt(odd_name["name"], odd_name["salt"])
        ).sign("hello")
    add(f"{f}/unsign/non-ascii-name", f, "unsign", odd_name, signed, NOW, "ok")

    def legacy(options, value, now):
        with cookie_settings(options), frozen(now):
            return signing.get_cookie_signer(
                salt=signing._cookie_signer_legacy_salt(options["name"], options.get("salt", ""))
            ).sign(value)

    # Legacy-salt cookies (before the v2 salt).
    salted = dict(base, salt="my-app.prefs")
    for options, label in [(base, "default-salt"), (salted, "custom-salt")]:
        old = legacy(options, "hello", NOW)
        add(f"{f}/unsign/legacy/{label}", f, "unsign", options, old, NOW, "ok")
        add(f"{f}/unsign/legacy/{label}/no-legacy-salt", f, "unsign", dict(options, **{"no-legacy-salt": True}), old, NOW, "bad-signature")
    old = legacy(base, "hello", NOW)
    add(f"{f}/unsign/legacy/fresh", f, "unsign", dict(base, **{"max-age": 60}), old, NOW + 60, "ok")
    add(f"{f}/unsign/legacy/expired", f, "unsign", dict(base, **{"max-age": 60}), old, NOW + 61, "expired")
    add(f"{f}/unsign/legacy/expired/no-legacy-salt", f, "unsign", dict(base, **{"max-age": 60}, **{"no-legacy-salt": True}), old, NOW + 61, "bad-signature")
    add(f"{f}/unsign/legacy/tampered", f, "unsign", base, flip(old, sig_index(old, ":")), NOW, "bad-signature")
    ring = dict(base, fallback=[FALLBACK_1])
    old_key = legacy(dict(base, secret=FALLBACK_1), "hello", NOW)
    add(f"{f}/unsign/legacy/fallback-key", f, "unsign", ring, old_key, NOW, "ok")
    add(f"{f}/unsign/legacy/unicode", f, "unsign", dict(base, salt=NON_ASCII_SALT), legacy(dict(base, salt=NON_ASCII_SALT), UNICODE_VALUE, NOW), NOW, "ok")
    # (name, salt) pairs that collide under the legacy salt but not under v2.
    foo_bar = {"secret": SECRET, "name": "foo", "salt": "bar"}
    foob_ar = {"secret": SECRET, "name": "foob", "salt": "ar"}
    add(f"{f}/unsign/legacy/colliding-name-salt", f, "unsign", foob_ar, legacy(foo_bar, "hello", NOW), NOW, "ok")
    v2 = make(f, "sign", foo_bar, "hello", NOW)
    add(f"{f}/unsign/v2/colliding-name-salt", f, "unsign", foob_ar, v2, NOW, "bad-signature")

    # Keys.
    ring = dict(base, fallback=[FALLBACK_1, FALLBACK_2])
    for key, label, expect in [
        (FALLBACK_1, "first-fallback", "ok"),
        (FALLBACK_2, "second-fallback", "ok"),
        (OTHER, "unknown-key", "bad-signature"),
    ]:
        signed = make(f, "sign", dict(base, secret=key), "hello", NOW)
        add(f"{f}/unsign/{label}", f, "unsign", ring, signed, NOW, expect)
    signed = make(f, "sign", base, "hello", NOW)
    add(f"{f}/unsign/wrong-secret-right-fallback", f, "unsign", dict(base, secret=OTHER, fallback=[SECRET]), signed, NOW, "ok")
    # The cookie signer's key is "django.http.cookies" + SECRET_KEY.
    plain = make("django-signer", "sign", {"secret": SECRET, "timestamp": True}, "hello", NOW)
    add(f"{f}/unsign/django-signer-value", f, "unsign", base, plain, NOW, "bad-signature")

    # Tampering and mismatches.
    add(f"{f}/unsign/tampered-value", f, "unsign", base, flip(signed, 0), NOW, "bad-signature")
    add(f"{f}/unsign/tampered-signature", f, "unsign", base, flip(signed, sig_index(signed, ":")), NOW, "bad-signature")
    add(f"{f}/unsign/tampered-timestamp", f, "unsign", base, flip(signed, ts_index(signed, ":")), NOW, "bad-signature")
    add(f"{f}/unsign/signature-removed", f, "unsign", base, signed[: sig_index(signed, ":")], NOW, "bad-signature")
    add(f"{f}/unsign/wrong-name", f, "unsign", dict(base, name="csrftoken"), signed, NOW, "bad-signature")
    add(f"{f}/unsign/wrong-salt", f, "unsign", dict(base, salt="x"), signed, NOW, "bad-signature")
    salted_signed = make(f, "sign", salted, "hello", NOW)
    add(f"{f}/unsign/salted-read-without-salt", f, "unsign", base, salted_signed, NOW, "bad-signature")
    add(f"{f}/unsign/no-sep", f, "unsign", base, "hello", NOW, "malformed")
    add(f"{f}/unsign/empty-input", f, "unsign", base, "", NOW, "malformed")

    # Expiry of v2 cookies: the legacy salt is not tried after SignatureExpired.
    for label, now, max_age, expect in [
        ("age-equals-max-age", NOW + 3600, 3600, "ok"),
        ("age-exceeds-by-half-second", NOW + 3600.5, 3600, "expired"),
        ("float-max-age-equal", NOW + 0.5, 0.5, "ok"),
        ("float-max-age-exceeded", NOW + 0.75, 0.5, "expired"),
        ("no-max-age-years-later", NOW + 10 * 365 * 86400, None, "ok"),
        ("future-timestamp-not-checked", NOW - 3600, 60, "ok"),
    ]:
        options = dict(base) if max_age is None else dict(base, **{"max-age": max_age})
        add(f"{f}/unsign/expiry/{label}", f, "unsign", options, signed, now, expect)
    add(f"{f}/unsign/expiry/no-legacy-salt-expired", f, "unsign", dict(base, **{"max-age": 60, "no-legacy-salt": True}), signed, NOW + 61, "expired")
    add(f"{f}/unsign/expiry/tampered-and-expired", f, "unsign", dict(base, **{"max-age": 60}), flip(signed, sig_index(signed, ":")), NOW + 3600, "bad-signature")


FULL_CROSS = [
    (digest, derivation)
    for digest in ("sha1", "sha256", "sha512")
    for derivation in ("django-concat", "concat", "hmac", "none")
]
# Every digest and every derivation at least once.
HALF_CROSS = [
    ("sha1", "concat"), ("sha1", "hmac"), ("sha256", "django-concat"),
    ("sha256", "hmac"), ("sha512", "concat"), ("sha512", "none"),
]
ITS_VALUE_NAMES = ["ascii", "empty", "unicode", "contains-colon", "punctuation"]


def its_signer_cases():
    f = "itsdangerous"
    base = {"secret": SECRET}
    for timestamp in (False, True):
        kind = ts_label(timestamp)
        opts = dict(base, timestamp=True) if timestamp else dict(base)
        now = NOW if timestamp else None
        for value, label in zip(VALUES, ITS_VALUE_NAMES):
            add_pair(f"{f}/{{op}}/{kind}/default/{label}", f, opts, value, now)
        for digest, derivation in FULL_CROSS if not timestamp else HALF_CROSS:
            add_pair(
                f"{f}/{{op}}/{kind}/{digest}/{derivation}",
                f, dict(opts, digest=digest, **{"key-derivation": derivation}), "hello", now,
            )
        for sep, label in [(":", "colon"), ("|", "pipe"), ("~~", "double-tilde"), ("/", "slash")]:
            add_pair(f"{f}/{{op}}/{kind}/sep-{label}", f, dict(opts, sep=sep), "one" + sep + "two", now)
        add_pair(
            f"{f}/{{op}}/{kind}/sha512/hmac/sep-pipe/salt",
            f, dict(opts, digest="sha512", sep="|", salt="my-app", **{"key-derivation": "hmac"}), UNICODE_VALUE, now,
        )
        for salt, label in [("my-app.tokens", "custom"), (NON_ASCII_SALT, "non-ascii"), ("", "empty")]:
            add_pair(f"{f}/{{op}}/{kind}/salt-{label}", f, dict(opts, salt=salt), "hello", now)
        add_pair(f"{f}/{{op}}/{kind}/unicode-secret", f, dict(opts, secret=UNICODE_SECRET), UNICODE_VALUE, now)
        add_pair(f"{f}/{{op}}/{kind}/value-with-dots", f, opts, "a.b.c.d", now)

        ring = dict(opts, fallback=[FALLBACK_1, FALLBACK_2])
        add(f"{f}/sign/{kind}/with-fallbacks-signs-with-secret", f, "sign", ring, "hello", now)
        for key, label, expect in [
            (FALLBACK_1, "first-fallback", "ok"),
            (FALLBACK_2, "second-fallback", "ok"),
            (OTHER, "unknown-key", "bad-signature"),
        ]:
            signed = make(f, "sign", dict(opts, secret=key), "hello", now)
            add(f"{f}/unsign/{kind}/{label}", f, "unsign", ring, signed, now, expect)
        signed = make(f, "sign", opts, "hello", now)
        add(
            f"{f}/unsign/{kind}/wrong-secret-right-fallback", f, "unsign",
            dict(opts, secret=OTHER, fallback=[FALLBACK_1, SECRET]), signed, now, "ok",
        )

        sep = "."
        add(f"{f}/unsign/{kind}/tampered-value", f, "unsign", opts, flip(signed, 0), now, "bad-signature")
        add(f"{f}/unsign/{kind}/tampered-signature", f, "unsign", opts, flip(signed, sig_index(signed, sep)), now, "bad-signature")
        if timestamp:
            add(f"{f}/unsign/{kind}/tampered-timestamp", f, "unsign", opts, flip(signed, ts_index(signed, sep)), now, "bad-signature")
        add(f"{f}/unsign/{kind}/signature-removed", f, "unsign", opts, signed[: sig_index(signed, sep)], now, "bad-signature")
        add(f"{f}/unsign/{kind}/wrong-salt", f, "unsign", dict(opts, salt="another-salt"), signed, now, "bad-signature")
        add(f"{f}/unsign/{kind}/wrong-digest", f, "unsign", dict(opts, digest="sha256"), signed, now, "bad-signature")
        add(f"{f}/unsign/{kind}/wrong-key-derivation", f, "unsign", dict(opts, **{"key-derivation": "hmac"}), signed, now, "bad-signature")
        add(f"{f}/unsign/{kind}/wrong-sep-absent", f, "unsign", dict(opts, sep="|"), signed, now, "malformed")
        add(f"{f}/unsign/{kind}/no-sep", f, "unsign", opts, "hello", now, "malformed")
        add(f"{f}/unsign/{kind}/empty-input", f, "unsign", opts, "", now, "malformed")
        add(f"{f}/unsign/{kind}/one-sep-bad-signature", f, "unsign", opts, "hello.AAAA", now, "bad-signature")

    ts = {"secret": SECRET, "timestamp": True}
    # A plain Signer's value under the same salt: the signature holds, the
    # timestamp does not.
    plain = make(f, "sign", {"secret": SECRET, "salt": "itsdangerous.Signer"}, "hello")
    add(f"{f}/unsign/timestamp/timestamp-missing", f, "unsign", ts, plain, NOW, "malformed")
    add(f"{f}/unsign/plain/timestamped-value", f, "unsign", {"secret": SECRET}, make(f, "sign", ts, "hello", NOW), None, "ok")
    # Authentic values whose timestamp field is odd.
    for label, ts_text, max_age in [
        ("nine-bytes", base64_encode(b"\x01" * 9).decode(), None),
        ("empty-is-epoch", "", None),
        ("empty-is-epoch-with-max-age", "", 60),
        ("leading-zero-bytes", base64_encode(b"\x00\x00" + NOW.to_bytes(4, "big")).decode(), 60),
        # (With a max age itsdangerous raises OverflowError on this one.)
        ("out-of-datetime-range", base64_encode(b"\xff" * 8).decode(), None),
    ]:
        signed = make(f, "sign", {"secret": SECRET, "salt": "itsdangerous.Signer"}, "hello." + ts_text)
        options = dict(ts) if max_age is None else dict(ts, **{"max-age": max_age})
        add(f"{f}/unsign/timestamp/odd-timestamp/{label}", f, "unsign", options, signed, NOW)
    # Forged: with a bad signature, a timestamp that decodes but is out of
    # datetime's range is reported as "Malformed timestamp"; one too long to
    # decode is reported as the signature mismatch.
    for label, ts_bytes in [("out-of-datetime-range", b"\xff" * 8), ("nine-bytes", b"\x01" * 9)]:
        forged = "hello." + base64_encode(ts_bytes).decode() + ".AAAA"
        add(f"{f}/unsign/timestamp/odd-timestamp/forged-{label}", f, "unsign", ts, forged, NOW)

    # Expiry: itsdangerous compares whole seconds, int(time.time()) - ts.
    signed = make(f, "sign", ts, "hello", NOW)
    for label, now, max_age, expect in [
        ("age-equals-max-age", NOW + 60, 60, "ok"),
        ("age-exceeds-by-one-second", NOW + 61, 60, "expired"),
        ("fractional-now-truncated", NOW + 60.9, 60, "ok"),
        ("float-max-age-same-second", NOW + 0.9, 0.5, "ok"),
        ("float-max-age-next-second", NOW + 1, 0.5, "expired"),
        ("zero-max-age-same-second", NOW + 0.5, 0, "ok"),
        ("no-max-age-years-later", NOW + 10 * 365 * 86400, None, "ok"),
        ("future-timestamp-with-max-age", NOW - 1, 60, "expired"),
        ("future-timestamp-without-max-age", NOW - 3600, None, "ok"),
    ]:
        options = dict(ts) if max_age is None else dict(ts, **{"max-age": max_age})
        add(f"{f}/unsign/timestamp/expiry/{label}", f, "unsign", options, signed, now, expect)
    fractional = add(f"{f}/sign/timestamp/fractional-now", f, "sign", ts, "hello", NOW + 0.9)
    add(f"{f}/unsign/timestamp/expiry/fractional-sign", f, "unsign", dict(ts, **{"max-age": 10}), fractional, NOW + 10.99, "ok")
    add(f"{f}/unsign/timestamp/expiry/tampered-and-expired", f, "unsign", dict(ts, **{"max-age": 60}), flip(signed, sig_index(signed, ".")), NOW + 3600, "bad-signature")
    ring = dict(ts, fallback=[FALLBACK_1], **{"max-age": 60})
    old_key = make(f, "sign", dict(ts, secret=FALLBACK_1), "hello", NOW)
    add(f"{f}/unsign/timestamp/expiry/fallback-key-expired", f, "unsign", ring, old_key, NOW + 61, "expired")


PAYLOADS = [
    ("object", '{"user_id":42,"roles":["admin","editor"]}'),
    ("unsorted-nested", '{"z":1,"a":{"y":[1,2,{"b":null,"a":true}],"x":false},"m":"M"}'),
    ("unicode", '{"name":"Zo\u00eb","city":"\u6771\u4eac","emoji":"\U0001f36a"}'),
    ("escapes", '{"s":"\\"quoted\\" \\\\ back\\nnew\\ttab \\u0000 \\u001f"}'),
    ("floats", "[1.5,1e100,-0.0,0.1,2.5e-8]"),
    ("big-int", '{"n":123456789012345678901234567890,"m":-9007199254740993}'),
    ("empty-object", "{}"),
    ("empty-list", "[]"),
    ("list", "[1,2,3]"),
    ("string", '"just a string"'),
    ("null", "null"),
    ("compressible", '{"data":"' + "abc" * 200 + '"}'),
    ("compressible-list", "[" + ",".join(["0"] * 100) + "]"),
    ("whitespace-input", '{ "a" : [ 1 , 2 ] }'),
]


def its_serializer_cases():
    f = "itsdangerous"
    base = {"secret": SECRET}
    for timestamp in (False, True):
        kind = ts_label(timestamp)
        opts = dict(base, timestamp=True) if timestamp else dict(base)
        now = NOW if timestamp else None
        for label, payload in PAYLOADS if not timestamp else PAYLOADS[:5] + PAYLOADS[9:12]:
            add_pair(f"{f}/{{op}}/{kind}/default/{label}", f, opts, payload, now, serializer=True)
        for digest, derivation in [
            ("sha256", None), ("sha512", None), (None, "concat"), (None, "hmac"), ("sha512", "none"),
        ]:
            options = dict(opts)
            if digest:
                options["digest"] = digest
            if derivation:
                options["key-derivation"] = derivation
            add_pair(
                f"{f}/{{op}}/{kind}/{digest or 'sha1'}/{derivation or 'django-concat'}",
                f, options, PAYLOADS[0][1], now, serializer=True,
            )
        for sep, label in [(":", "colon"), ("|", "pipe")]:
            add_pair(f"{f}/{{op}}/{kind}/sep-{label}/compressible", f, dict(opts, sep=sep), PAYLOADS[11][1], now, serializer=True)
        for salt, label in [("cookie-session", "custom"), (NON_ASCII_SALT, "non-ascii"), ("", "empty")]:
            add_pair(f"{f}/{{op}}/{kind}/salt-{label}", f, dict(opts, salt=salt), PAYLOADS[0][1], now, serializer=True)
        add_pair(f"{f}/{{op}}/{kind}/unicode-secret", f, dict(opts, secret=UNICODE_SECRET), PAYLOADS[2][1], now, serializer=True)

        ring = dict(opts, fallback=[FALLBACK_1, FALLBACK_2])
        add(f"{f}/encode/{kind}/with-fallbacks-signs-with-secret", f, "encode", ring, PAYLOADS[0][1], now)
        for key, label, expect in [
            (FALLBACK_2, "second-fallback", "ok"),
            (OTHER, "unknown-key", "bad-signature"),
        ]:
            token = make(f, "encode", dict(opts, secret=key), PAYLOADS[0][1], now)
            add(f"{f}/decode/{kind}/{label}", f, "decode", ring, token, now, expect)

        token = make(f, "encode", opts, PAYLOADS[0][1], now)
        packed = make(f, "encode", opts, PAYLOADS[11][1], now)
        assert packed.startswith(".")
        add(f"{f}/decode/{kind}/tampered-payload", f, "decode", opts, flip(token, 1), now, "bad-signature")
        add(f"{f}/decode/{kind}/tampered-signature", f, "decode", opts, flip(token, sig_index(token, ".")), now, "bad-signature")
        add(f"{f}/decode/{kind}/compression-flag-removed", f, "decode", opts, packed[1:], now, "bad-signature")
        add(f"{f}/decode/{kind}/wrong-salt", f, "decode", dict(opts, salt="cookie-session"), token, now, "bad-signature")
        add(f"{f}/decode/{kind}/no-sep", f, "decode", opts, "eyJhIjoxfQ", now, "malformed")
        add(f"{f}/decode/{kind}/empty-input", f, "decode", opts, "", now, "malformed")

        # Signed, but not a payload the serializer could have written.
        signer_options = ordered(opts)
        with frozen(now):
            signer = its_serializer(signer_options).make_signer()
            for label, payload in [
                ("bad-base64", b"A"),
                ("bad-base64-length", b"eyJhIjox"[:5]),
                ("bad-zlib", b"." + base64_encode(b"not zlib at all")),
                ("bad-json", base64_encode(b'{"a":')),
                ("bad-utf8", base64_encode(b'"\xff\xfe"')),
                ("trailing-garbage", base64_encode(b'{"a":1} x')),
                ("compressed-bad-json", b"." + base64_encode(zlib.compress(b"{not json"))),
                ("compressed-valid", b"." + base64_encode(zlib.compress(b'{"a":1}'))),
                ("uncompressed-level-9-stream-as-plain", base64_encode(zlib.compress(b'{"a":1}', 9))),
                ("duplicate-keys", base64_encode(b'{"a":1,"a":2}')),
                ("empty-payload", b""),
            ]:
                crafted = signer.sign(payload).decode("ascii")
                expect = "ok" if label in ("compressed-valid", "duplicate-keys") else "bad-payload"
                add(f"{f}/decode/{kind}/crafted/{label}", f, "decode", opts, crafted, now, expect)

    ts = {"secret": SECRET, "timestamp": True}
    token = make(f, "encode", ts, PAYLOADS[0][1], NOW)
    for label, now, max_age, expect in [
        ("age-equals-max-age", NOW + 2678400, 2678400, "ok"),
        ("age-exceeds-by-one-second", NOW + 2678401, 2678400, "expired"),
        ("fractional-now-truncated", NOW + 60.5, 60, "ok"),
        ("future-timestamp-with-max-age", NOW - 1, 60, "expired"),
        ("future-timestamp-without-max-age", NOW - 1, None, "ok"),
        ("no-max-age-years-later", NOW + 10 * 365 * 86400, None, "ok"),
    ]:
        options = dict(ts) if max_age is None else dict(ts, **{"max-age": max_age})
        add(f"{f}/decode/timestamp/expiry/{label}", f, "decode", options, token, now, expect)
    with frozen(NOW):
        garbage = its_serializer(ordered(ts)).make_signer().sign(b"A").decode("ascii")
    add(f"{f}/decode/timestamp/expiry/expired-bad-payload", f, "decode", dict(ts, **{"max-age": 60}), garbage, NOW + 61, "expired")
    untimed = make(f, "encode", {"secret": SECRET}, PAYLOADS[0][1])
    add(f"{f}/decode/timestamp/untimed-token", f, "decode", ts, untimed, NOW)
    add(f"{f}/decode/plain/timed-token", f, "decode", {"secret": SECRET}, token)


def main():
    django_signer_cases()
    django_cookie_cases()
    its_signer_cases()
    its_serializer_cases()
    names = [case["name"] for case in CASES]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    assert not duplicates, duplicates
    out = {
        "generator": GENERATOR,
        "django_version": django.get_version(),
        "itsdangerous_version": version("itsdangerous"),
        "python_version": sys.version.split()[0],
        "cases": CASES,
    }
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
