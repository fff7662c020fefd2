#!/usr/bin/env python3
"""The Django half of the live interop test (driven by tests/django_live.rs).

Real Django, with its clock frozen, checks cookies that the Rust crate made,
and makes cookies for the Rust crate to check. Nothing here reimplements
Django: every verdict and every expected text comes from Django itself
(`django.core.signing` and the `signed_cookies` session backend).

    interop.py check-rust CASES_JSON RESULT_JSON
        Checks every Rust-made case against Django and writes
        {"checked", "counts", "failures": [...]} to RESULT_JSON.

    interop.py make-django CONFIG_JSON OUT_JSON
        CONFIG_JSON holds {"seed", "count", "secret_key",
        "secret_key_fallbacks", "other_keys"}. Writes {"django_version",
        "seed", "cases": [...]} to OUT_JSON, one case per cookie that Django
        signed.

    interop.py check-rust-signers CASES_JSON RESULT_JSON
        Checks Rust-signed strings (`Signer`, `TimestampSigner`, signed
        cookies) against Django: each is signed again by Django at the same
        frozen second and must come out byte for byte, and Django's verdict
        on the (maybe altered) token must be the Rust side's. Writes
        {"django_version", "checked", "counts", "failures": [...]}.

    interop.py make-django-signers CONFIG_JSON OUT_JSON
        CONFIG_JSON as for make-django. Django signs random strings with
        `Signer`, `TimestampSigner`, `HttpResponse.set_signed_cookie` and the
        legacy `get_cookie_signer(salt=name + salt)`, sometimes alters them,
        and gives its verdict (`unsign`, `HttpRequest.get_signed_cookie`)
        under a random key ring. Writes {"django_version", "seed", "cases"}.

Exit status: 0 when the run completed (failures are reported in the result
file, not by the exit status), 2 on a usage or set-up error.
"""

import json
import random
import struct
import sys
import types
from datetime import datetime, timezone

import django
from django.conf import settings

SESSION_SALT = "django.contrib.sessions.backends.signed_cookies"
SESSION_COOKIE_AGE = 1209600

# Salts for bare signing.dumps: the default, the empty salt (which Django
# replaces with "django.core.signing.TimestampSigner"), the session salt
# without a session, and some custom ones, one of them non-ASCII.
SALTS = [
    "django.core.signing",
    "",
    SESSION_SALT,
    "my.app.remember-me",
    "pr\u00e9f\u00e9rences \u2713 \u4e2d",
    "x" * 120,
    "colon:in:salt",
]


class FrozenClock:
    """Stands in for the `time` module inside django.core.signing only."""

    def __init__(self):
        self.now = 0.0

    def time(self):
        return self.now


CLOCK = FrozenClock()


def setup_django(secret_key, fallbacks):
    settings.configure(
        SECRET_KEY=secret_key,
        SECRET_KEY_FALLBACKS=list(fallbacks),
        SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies",
        SESSION_SERIALIZER="django.contrib.sessions.serializers.JSONSerializer",
        INSTALLED_APPS=["django.contrib.sessions"],
        USE_TZ=True,
    )
    django.setup()
    from django.core import signing

    # signing.py does `import time` and calls `time.time()` for both the
    # timestamp it writes and the age it checks; SessionStore goes through
    # signing.dumps/loads, so this one patch freezes every clock involved.
    signing.time = types.SimpleNamespace(time=CLOCK.time)


def compact(obj):
    """Django's JSONSerializer text: json.dumps with compact separators."""
    return json.dumps(obj, separators=(",", ":"))


def outcome_of_loads(cookie, *, key, fallback_keys, salt, max_age, now):
    """Django's verdict on a cookie at `now`: (outcome, value or detail)."""
    from django.core import signing

    CLOCK.now = float(now)
    try:
        value = signing.loads(
            cookie,
            key=key,
            salt=salt,
            max_age=max_age,
            fallback_keys=list(fallback_keys),
        )
    except signing.SignatureExpired as exc:
        return "expired", str(exc)
    except signing.BadSignature as exc:
        return "bad_signature", str(exc)
    except Exception as exc:  # noqa: BLE001 - a signed but undecodable value
        return "malformed", "%s: %s" % (type(exc).__name__, exc)
    return "ok", value


# --------------------------------------------------------------------------
# check-rust


def check_rust(cases_path, result_path):
    with open(cases_path, encoding="utf-8") as f:
        doc = json.load(f)
    setup_django(doc["django_secret_key"], doc["django_fallbacks"])
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.core import signing

    failures = []
    counts = {
        "cases": 0,
        "loads": 0,
        "payload_text": 0,
        "redumped_identical": 0,
        "sessionstore_load": 0,
        "sessionstore_save_identical": 0,
        "miniz_read": 0,
    }

    def fail(case, what, expected, actual):
        failures.append(
            {
                "index": case["index"],
                "what": what,
                "expected": expected,
                "actual": actual,
            }
        )

    for case in doc["cases"]:
        counts["cases"] += 1
        cookie = case["cookie"]
        secret_key = case["django_secret_key"]
        fallbacks = case["django_fallbacks"]
        if secret_key != settings.SECRET_KEY or fallbacks != list(
            settings.SECRET_KEY_FALLBACKS
        ):
            fail(case, "case keys differ from the run's Django settings", "", "")
            continue
        salt = case["salt"]
        max_age = case["max_age"]
        expected = case["expect"]
        expected_text = case["json"]
        miniz = case.get("deflate") == "miniz"

        # 1. signing.loads at the frozen `now`, keys given explicitly.
        outcome, value = outcome_of_loads(
            cookie,
            key=secret_key,
            fallback_keys=fallbacks,
            salt=salt,
            max_age=max_age,
            now=case["now"],
        )
        if outcome != expected:
            fail(case, "signing.loads outcome", expected, "%s (%s)" % (outcome, value))
            continue
        counts["loads"] += 1
        if expected == "bad_signature":
            payload = None
        else:
            if expected == "expired":
                # The payload of an expired cookie is still authentic.
                outcome, value = outcome_of_loads(
                    cookie,
                    key=secret_key,
                    fallback_keys=fallbacks,
                    salt=salt,
                    max_age=None,
                    now=case["now"],
                )
                if outcome != "ok":
                    fail(case, "signing.loads without max_age", "ok", outcome)
                    continue
            payload = value
            text = compact(payload)
            if text != expected_text:
                fail(case, "payload JSON text", expected_text, text)
                continue
            counts["payload_text"] += 1

            # 2. Django signs the same payload at the same second, with the
            # same key: the cookie must be the same, byte for byte. With
            # key=None, Django uses settings.SECRET_KEY itself. A stream from
            # the pure-Rust deflater (the crate without its `zlib` feature)
            # is another valid zlib stream: Django must read it (above and
            # in the session backend below), not write the same bytes.
            if miniz:
                counts["miniz_read"] += 1
            else:
                signing_secret = case["signing_secret"]
                key = None if signing_secret == secret_key else signing_secret
                # A fraction of a second: Django truncates the clock.
                CLOCK.now = case["timestamp"] + 0.75
                again = signing.dumps(
                    payload, key=key, salt=salt, compress=case["compress"]
                )
                if again != cookie:
                    fail(case, "signing.dumps cookie", cookie, again)
                    continue
                counts["redumped_identical"] += 1

        # 3. The session backend, for session cookies with the default age.
        if salt == SESSION_SALT and max_age == SESSION_COOKIE_AGE:
            CLOCK.now = float(case["now"])
            store = SessionStore(session_key=cookie)
            loaded = store.load()
            want = expected_text if expected == "ok" else "{}"
            if compact(loaded) != want:
                fail(case, "SessionStore.load", want, compact(loaded))
                continue
            counts["sessionstore_load"] += 1
            if (
                case["compress"]
                and not miniz
                and isinstance(payload, dict)
                and case["signing_secret"] == secret_key
            ):
                CLOCK.now = float(case["timestamp"])
                store = SessionStore()
                store.update(payload)
                store.save()
                if store.session_key != cookie:
                    fail(case, "SessionStore.save cookie", cookie, store.session_key)
                    continue
                counts["sessionstore_save_identical"] += 1

    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "django_version": django.get_version(),
                "checked": counts["cases"],
                "counts": counts,
                "failures": failures,
            },
            f,
            indent=1,
        )


# --------------------------------------------------------------------------
# make-django: random payloads of the same variety as the Rust side's


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def char(self):
        r = self.r
        pick = r.random()
        if pick < 0.40:
            return chr(r.randint(0x20, 0x7E))
        if pick < 0.48:
            return r.choice('"\\/<>&\'')
        if pick < 0.58:
            return chr(r.choice([*range(0x20), 0x7F]))
        if pick < 0.70:
            return r.choice(
                "\u00e9\u00fc\u00df\u4e2d\u6587\u65e5\u672c\u8a9e"
                "\u2028\u2029\ufeff\uffff\u00a0\u0080\u00ff\u20ac"
            )
        if pick < 0.82:
            while True:
                c = r.randint(0x80, 0xFFFF)
                if not 0xD800 <= c <= 0xDFFF:
                    return chr(c)
        if pick < 0.90:
            return r.choice("\U0001F600\U0001D11E\U0001F4A9\U00010000\U0010FFFF")
        return chr(r.randint(0x10000, 0x10FFFF))

    def string(self, max_len=16):
        r = self.r
        if r.random() < 0.05:
            return r.choice(["", "</script>", "null", "a:b:c", "\u00e9\u4e2d\u6587"])
        return "".join(self.char() for _ in range(r.randint(0, max_len)))

    def big_string(self):
        """Several KB of repeated text: compression pays."""
        r = self.r
        unit = r.choice(
            [
                "lorem ipsum dolor sit amet ",
                "abc",
                "z\u00e9\u4e2d\U0001F600 ",
                self.string(12) or "x",
                '{"nested": "json-looking"} ',
            ]
        )
        target = r.randint(1500, 6000)
        return (unit * (target // max(1, len(unit)) + 1))[:target]

    def integer(self):
        r = self.r
        pick = r.random()
        if pick < 0.3:
            return r.choice(
                [
                    0, 1, -1,
                    2**31 - 1, -(2**31),
                    2**53 - 1, 2**53, 2**53 + 1, -(2**53) - 1,
                    2**63 - 1, -(2**63), 2**63, 2**64 - 1, 2**64, 2**64 + 1,
                    -(2**64) - 1, 10**30, -(10**30) - 7,
                ]
            )
        if pick < 0.6:
            return r.randint(-(2**63), 2**63 - 1)
        if pick < 0.8:
            return r.randint(-1000, 1000)
        # Beyond 2**64, up to ~60 digits (well under CPython's 4300).
        n = r.getrandbits(r.randint(65, 200))
        return -n if r.random() < 0.5 else n

    def floating(self):
        r = self.r
        pick = r.random()
        if pick < 0.25:
            return r.choice(
                [
                    0.0, -0.0, 1.0, -1.0, 0.1, 0.5, 1e16, 1e-5, 1e-4, 1e15,
                    1e100, 5e-324, 2.2250738585072014e-308,
                    1.7976931348623157e308, 0.30000000000000004,
                    123456789.12345679, 1.2345678901234568e16, 9007199254740993.0,
                ]
            )
        while True:
            if pick < 0.4:
                # Subnormal: exponent bits all zero.
                bits = r.getrandbits(52) | (r.getrandbits(1) << 63)
            elif pick < 0.7:
                bits = r.getrandbits(64)
            else:
                return r.uniform(-1e6, 1e6) * r.choice([1, 1e-9, 1e9, 1e-3])
            value = struct.unpack("<d", struct.pack("<Q", bits))[0]
            if value == value and value not in (float("inf"), float("-inf")):
                return value

    def scalar(self):
        r = self.r
        pick = r.random()
        if pick < 0.35:
            return self.string()
        if pick < 0.55:
            return self.integer()
        if pick < 0.75:
            return self.floating()
        if pick < 0.85:
            return r.choice([True, False])
        if pick < 0.92:
            return None
        if pick < 0.95:
            return self.big_string()
        return self.string(40)

    def key(self):
        """Mostly strings; sometimes keys json.dumps turns into strings."""
        r = self.r
        pick = r.random()
        if pick < 0.9:
            return self.string(10)
        if pick < 0.94:
            return r.randint(-(2**70), 2**70)
        if pick < 0.97:
            return self.floating()
        return r.choice([True, False, None])

    def dict(self, depth, max_items=6):
        out = {}
        seen = set()
        for _ in range(self.r.randint(0, max_items)):
            k = self.key()
            # json.dumps turns 1 and "1" into the same key text; keep the
            # document free of duplicate keys.
            text = compact({k: 0})
            if text in seen:
                continue
            seen.add(text)
            out[k] = self.value(depth + 1)
        return out

    def value(self, depth=0):
        r = self.r
        if depth >= 5:
            return self.scalar()
        pick = r.random()
        if pick < 0.55:
            return self.scalar()
        if pick < 0.75:
            return [self.value(depth + 1) for _ in range(r.randint(0, 5))]
        if pick < 0.8:
            return tuple(self.value(depth + 1) for _ in range(r.randint(0, 3)))
        return self.dict(depth)

    def session(self):
        """A session dict: string keys only, as request.session keeps them."""
        r = self.r
        out = {}
        if r.random() < 0.3:
            out["_auth_user_id"] = str(r.randint(1, 10**6))
            out["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
            out["_auth_user_hash"] = "%064x" % r.getrandbits(256)
        for _ in range(r.randint(0, 7)):
            out[self.string(12)] = self.value(1)
        return out


def make_django(config_path, out_path):
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    secret_key = config["secret_key"]
    fallbacks = config["secret_key_fallbacks"]
    setup_django(secret_key, fallbacks)
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.core import signing

    g = Gen(config["seed"])
    r = g.r
    # Every key that takes part; the Rust side gets rings built from these.
    pool = [secret_key, *fallbacks, *config["other_keys"]]
    base_time = 1_760_000_000
    cases = []
    for index in range(config["count"]):
        timestamp = base_time + r.randint(0, 10**6)
        # Django truncates the clock; a fraction must not change the cookie.
        CLOCK.now = timestamp + r.choice([0.0, 0.0, 0.25, 0.999999])
        pick = r.random()
        if pick < 0.3:
            via = "SessionStore.save"
            salt = SESSION_SALT
            compress = True
            signing_key = secret_key
            store = SessionStore()
            payload = g.session()
            for k, v in payload.items():
                store[k] = v
            extra = r.random()
            if extra < 0.15 and payload:
                # Delete and set again: the key moves to the end.
                k = next(iter(payload))
                v = store.pop(k)
                store[k] = v
            elif extra < 0.25:
                store.set_expiry(r.choice([0, 300, 1209600]))
            elif extra < 0.3:
                store.set_expiry(
                    datetime(2030, 1, 2, 3, 4, 5, r.randint(0, 999999), timezone.utc)
                )
            store.save()
            cookie = store.session_key
            payload = store._session
        else:
            via = "signing.dumps"
            if pick < 0.5:
                salt = SESSION_SALT
                compress = True
                payload = g.session()
            else:
                salt = r.choice(SALTS)
                compress = r.random() < 0.5
                payload = g.value() if r.random() < 0.6 else g.dict(0)
            signing_key = r.choice(pool)
            # key=None means settings.SECRET_KEY, as SessionStore uses it.
            key = None if signing_key == secret_key and r.random() < 0.5 else signing_key
            cookie = signing.dumps(payload, key=key, salt=salt, compress=compress)
        text = compact(payload)

        # The Rust ring: the signing key first, as a fallback, or absent.
        others = [k for k in pool if k != signing_key]
        r.shuffle(others)
        position = r.choices([0, 1, 2, None], weights=[50, 25, 17, 8])[0]
        if position is None:
            ring = others[: r.randint(1, 3)]
        else:
            ring = others[:position] + [signing_key] + others[position : position + r.randint(0, 2)]

        if salt == SESSION_SALT and r.random() < 0.7:
            max_age = SESSION_COOKIE_AGE
        else:
            max_age = r.choice([None, None, 0, 1, 60, 3600, SESSION_COOKIE_AGE])
        span = max_age if max_age is not None else 10**7
        now = timestamp + r.choice(
            [
                0,
                span,
                span + 1,
                r.randint(0, span),
                span + r.randint(1, 10**7),
                -r.randint(1, 10**6),
            ]
        )

        # Django's own verdict on exactly the ring the Rust side will hold.
        outcome, value = outcome_of_loads(
            cookie,
            key=ring[0],
            fallback_keys=ring[1:],
            salt=salt,
            max_age=max_age,
            now=now,
        )
        if outcome == "ok" and compact(value) != text:
            raise SystemExit("case %d: Django does not read back its own text" % index)
        cases.append(
            {
                "index": index,
                "via": via,
                "cookie": cookie,
                "signing_key": signing_key,
                "rust_signing": ring[0],
                "rust_fallbacks": ring[1:],
                "expected_key_index": position,
                "salt": salt,
                "compress": compress,
                "timestamp": timestamp,
                "clock": CLOCK.now,
                "now": now,
                "max_age": max_age,
                "expect": outcome,
                "json": text,
            }
        )

    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "django_version": django.get_version(),
                "seed": config["seed"],
                "cases": cases,
            },
            f,
            indent=1,
        )

# --------------------------------------------------------------------------
# Signers and signed cookies: check-rust-signers and make-django-signers

# What signature characters are made of (base64url, no padding).
B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
SIGNER_SEPS = [":", "/", "|", "~~"]
ALGORITHMS = ["sha1", "sha256", "sha512"]
# Salts for Signer and TimestampSigner; "" is the class path on both sides.
SIGNER_SALTS = [
    "",
    "",
    "django.core.signing",
    "my.app.unsubscribe",
    "pr\u00e9f\u00e9rences \u2713 \u4e2d",
    "colon:in:salt",
    "slash/pipe|tilde~~",
    "\U0001F511",
    "x" * 100,
]
# What SimpleCookie accepts in a cookie name.
COOKIE_NAME_CHARS = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    "!#$%&'*+-.^_`|~:"
)
COOKIE_NAMES = ["sessionid", "csrftoken", "theme", "a", "ab", "remember_me"]
# Alterations of a signed token; each side has the same list.
MUTATIONS = [
    "sig-char",
    "sig-noncanonical",
    "value-char",
    "truncate",
    "no-sep",
    "extra-sep",
    "empty",
    "ts-swap",
]


def verdict_of(call):
    """Django's verdict on one unsign: (verdict, value or detail).

    BadSignature (which Django also raises for a missing separator) and
    SignatureExpired are Django's; anything else escaping Django (a
    ValueError from an authentic but unreadable timestamp) is "malformed".
    """
    from django.core import signing

    try:
        value = call()
    except signing.SignatureExpired as exc:
        return "expired", str(exc)
    except signing.BadSignature as exc:
        return "bad_signature", str(exc)
    except Exception as exc:  # noqa: BLE001 - whatever escapes Django
        return "malformed", "%s: %s" % (type(exc).__name__, exc)
    return "ok", value


def plain_signer(case, key, fallbacks):
    from django.core import signing

    cls = signing.TimestampSigner if case["kind"] == "timestamp" else signing.Signer
    return cls(
        key=key,
        fallback_keys=list(fallbacks),
        salt=case["salt"],
        sep=case["sep"],
        algorithm=case["algorithm"],
    )


def max_age_of(case):
    from datetime import timedelta

    max_age = case["max_age"]
    if max_age is not None and case["max_age_timedelta"]:
        return timedelta(seconds=max_age)
    return max_age


def now_of(case):
    # Exact: the nanoseconds are a multiple of 1/512 s.
    return case["now_secs"] + case["now_nanos"] / 1e9


def sign_case(case, key, clock):
    """What Django signs for the case's value with `key` at `clock`."""
    from django.core import signing
    from django.http import HttpResponse
    from django.test.utils import override_settings

    CLOCK.now = clock
    if case["kind"] != "cookie":
        return plain_signer(case, key, []).sign(case["value"])
    name, salt, value = case["name"], case["salt"], case["value"]
    with override_settings(SECRET_KEY=key, SECRET_KEY_FALLBACKS=[]):
        if case["legacy_signed"]:
            # What Django before 5.2.15 set: the salt is name + salt.
            return signing.get_cookie_signer(salt=name + salt).sign(value)
        response = HttpResponse()
        response.set_signed_cookie(name, value, salt=salt)
        return response.cookies[name].value


def unsign_case(case, token, key, fallbacks):
    """Django's verdict on `token` under `key` and `fallbacks`."""
    from django.http import HttpRequest
    from django.test.utils import override_settings

    CLOCK.now = now_of(case) if case["kind"] != "signer" else 0.0
    max_age = max_age_of(case)
    if case["kind"] == "signer":
        return verdict_of(lambda: plain_signer(case, key, fallbacks).unsign(token))
    if case["kind"] == "timestamp":
        return verdict_of(
            lambda: plain_signer(case, key, fallbacks).unsign(token, max_age=max_age)
        )
    name = case["verify_name"]
    with override_settings(
        SECRET_KEY=key,
        SECRET_KEY_FALLBACKS=list(fallbacks),
        SIGNED_COOKIE_LEGACY_SALT_FALLBACK=case["legacy_fallback"],
    ):
        request = HttpRequest()
        request.COOKIES[name] = token
        return verdict_of(
            lambda: request.get_signed_cookie(
                name, salt=case["verify_salt"], max_age=max_age
            )
        )


def check_rust_signers(cases_path, result_path):
    with open(cases_path, encoding="utf-8") as f:
        doc = json.load(f)
    setup_django(doc["django_secret_key"], doc["django_fallbacks"])

    failures = []
    counts = {
        "cases": 0,
        "resigned_identical": 0,
        "verdicts": 0,
        "values": 0,
    }

    def fail(case, what, expected, actual):
        failures.append(
            {"index": case["index"], "what": what, "expected": expected, "actual": actual}
        )

    for case in doc["cases"]:
        counts["cases"] += 1
        # 1. Django signs the same value with the same key at the same
        # (fractional) second: the same bytes.
        clock = case["timestamp"] + case["clock_nanos"] / 1e9 if case["kind"] != "signer" else 0.0
        ours = sign_case(case, case["signing_secret"], clock)
        if ours == case["signed"]:
            counts["resigned_identical"] += 1
        else:
            fail(case, "Django's signature of the same value", case["signed"], ours)

        # 2. Django's verdict on the token, with the ring the Rust side
        # decided with.
        verdict, value = unsign_case(
            case, case["token"], case["django_key"], case["django_fallbacks"]
        )
        if verdict != case["expect"]:
            fail(case, "verdict", case["expect"], "%s (%s)" % (verdict, value))
            continue
        counts["verdicts"] += 1
        if verdict == "ok":
            if value != case["value_out"]:
                fail(case, "unsigned value", case["value_out"], value)
                continue
            counts["values"] += 1

    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "django_version": django.get_version(),
                "checked": counts["cases"],
                "counts": counts,
                "failures": failures,
            },
            f,
            indent=1,
        )


def mutate(r, g, token, sep, timestamped):
    """One alteration of `token` (which the signer made): (name, token)."""
    from django.core import signing

    choices = [m for m in MUTATIONS if timestamped or m != "ts-swap"]
    mutation = r.choice(choices)
    value, sig = token.rsplit(sep, 1)
    if mutation == "sig-char":
        i = r.randrange(len(sig) - 1)
        c = r.choice([x for x in B64_ALPHABET if x != sig[i]])
        return mutation, value + sep + sig[:i] + c + sig[i + 1 :]
    if mutation == "sig-noncanonical":
        # The last character's unused low bits: the same tag to a lenient
        # base64 decoder, another text to Django's string comparison.
        unused = 6 * len(sig) - 8 * (6 * len(sig) // 8)
        mask = (1 << unused) - 1
        index = B64_ALPHABET.index(sig[-1])
        index = (index & ~mask) | ((index & mask) ^ r.randint(1, mask))
        return mutation, value + sep + sig[:-1] + B64_ALPHABET[index]
    if mutation == "value-char":
        if not value:
            return mutation, "x" + token
        i = r.randrange(len(value))
        c = g.char()
        while c == value[i]:
            c = g.char()
        return mutation, value[:i] + c + value[i + 1 :] + sep + sig
    if mutation == "truncate":
        return mutation, token[:-1]
    if mutation == "no-sep":
        return mutation, token.replace(sep, "")
    if mutation == "extra-sep":
        return mutation, token + sep
    if mutation == "empty":
        return mutation, ""
    # ts-swap: another well-formed timestamp under the old signature.
    rest, ts = value.rsplit(sep, 1)
    ts = signing.b62_encode(signing.b62_decode(ts) + r.randint(1, 1000))
    return mutation, rest + sep + ts + sep + sig


def make_django_signers(config_path, out_path):
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    secret_key = config["secret_key"]
    fallbacks = config["secret_key_fallbacks"]
    setup_django(secret_key, fallbacks)

    g = Gen(config["seed"])
    r = g.r
    pool = [secret_key, *fallbacks, *config["other_keys"]]
    base_time = 1_760_000_000
    cases = []
    for index in range(config["count"]):
        kind = r.choices(["signer", "timestamp", "cookie"], weights=[30, 35, 35])[0]
        case = {"index": index, "kind": kind}
        if kind == "cookie":
            sep = ":"
            case["algorithm"] = "sha256"
            case["salt"] = r.choice(["", "", *SIGNER_SALTS, g.string(8)])
            if r.random() < 0.3:
                case["name"] = r.choice(COOKIE_NAMES)
            else:
                case["name"] = "".join(
                    r.choice(COOKIE_NAME_CHARS) for _ in range(r.randint(1, 12))
                )
            case["legacy_signed"] = r.random() < 0.35
            case["legacy_fallback"] = r.random() < 0.6
            case["verify_name"], case["verify_salt"] = case["name"], case["salt"]
            if case["salt"] and r.random() < 0.1:
                # The same legacy salt (name + salt) under another pair.
                case["verify_name"] = case["name"] + case["salt"][0]
                case["verify_salt"] = case["salt"][1:]
        else:
            sep = r.choice(SIGNER_SEPS)
            case["algorithm"] = r.choice(ALGORITHMS)
            case["salt"] = r.choice([*SIGNER_SALTS, g.string(8)])
        case["sep"] = sep
        pick = r.randrange(20)
        value = "" if pick == 0 else g.big_string() if pick < 3 else g.string(20)
        if r.random() < 0.25:
            # The separator inside the value: the last one is the signature's.
            i = r.randint(0, len(value))
            value = value[:i] + sep + value[i:]
        case["value"] = value
        signing_key = r.choice(pool)
        case["signing_key"] = signing_key

        timestamp = base_time + r.randint(0, 10**6)
        if r.random() < 0.05:
            timestamp = r.choice([0, 1, -(10**9) - r.randint(0, 10**6), 32_503_680_000])
        clock_nanos = r.choice([0, 0, 1, 256, 511, r.randint(0, 511)]) * 1953125
        case["timestamp"] = timestamp
        case["clock_nanos"] = clock_nanos
        signed = sign_case(case, signing_key, timestamp + clock_nanos / 1e9)
        # int(time.time()) truncates towards zero.
        issued = int(timestamp + clock_nanos / 1e9)
        case["issued"] = issued
        case["signed"] = signed
        if r.random() < 0.3:
            case["mutation"], case["token"] = mutate(r, g, signed, sep, kind != "signer")
        else:
            case["mutation"], case["token"] = None, signed

        # The ring: the signing key first, as a fallback, or absent.
        others = [k for k in pool if k != signing_key]
        r.shuffle(others)
        position = r.choices([0, 1, 2, None], weights=[50, 25, 17, 8])[0]
        if position is None:
            ring = others[: r.randint(1, 3)]
        else:
            ring = others[:position] + [signing_key] + others[position : position + r.randint(0, 2)]
        case["rust_signing"] = ring[0]
        case["rust_fallbacks"] = ring[1:]
        case["expected_key_index"] = position

        if kind == "signer":
            case["max_age"], case["max_age_timedelta"] = None, False
            case["now_secs"], case["now_nanos"] = 0, 0
        else:
            max_age = r.choice([None, None, 0, 1, 60, 3600, 1209600, 0.5, 59.25, 3600.015625])
            case["max_age"] = max_age
            case["max_age_timedelta"] = max_age is not None and r.random() < 0.3
            # The age in 1/512 s around the limit: Django compares the
            # float time.time() - timestamp with max_age.
            span = int((max_age if max_age is not None else 10**7) * 512)
            delta = r.choice(
                [0, span, span - 1, span + 1, span + 512, r.randint(0, span),
                 span + r.randint(1, 10**7 * 512), -r.randint(1, 10**6 * 512)]
            )
            now_secs, rest = divmod(issued * 512 + delta, 512)
            case["now_secs"], case["now_nanos"] = now_secs, rest * 1953125
        verdict, value = unsign_case(case, case["token"], ring[0], ring[1:])
        case["expect"] = verdict
        case["detail"] = None if verdict == "ok" else value
        case["value_out"] = value if verdict == "ok" else None
        cases.append(case)

    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(
            {"django_version": django.get_version(), "seed": config["seed"], "cases": cases},
            f,
            indent=1,
        )


def main(argv):
    if len(argv) == 4 and argv[1] == "check-rust":
        check_rust(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "make-django":
        make_django(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "check-rust-signers":
        check_rust_signers(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "make-django-signers":
        make_django_signers(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
