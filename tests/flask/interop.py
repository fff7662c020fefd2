#!/usr/bin/env python3
"""The Flask half of the live interop test (driven by tests/flask_live.rs).

Real Flask, with itsdangerous' clock frozen, checks cookies that the Rust
crate made, and makes cookies for the Rust crate to check. Nothing here
reimplements Flask: every verdict and every expected text comes from Flask
itself, through `app.session_interface.get_signing_serializer(app)` inside an
app context and through real test-client requests (`open_session` and
`save_session`).

    interop.py check-rust CASES_JSON RESULT_JSON
        Checks every Rust-made case against Flask and writes
        {"flask_version", "checked", "counts", "failures": [...]}.

    interop.py make-flask CONFIG_JSON OUT_JSON
        CONFIG_JSON holds {"seed", "count", "secret_key",
        "secret_key_fallbacks", "other_keys"}. Writes {"flask_version",
        "seed", "cases": [...]}, one case per cookie that Flask signed.

    interop.py check-rust-tokens CASES_JSON RESULT_JSON
        Checks Rust-made itsdangerous tokens (`URLSafeTimedSerializer`,
        Flask-WTF's CSRF tokens, `Signer`, `TimestampSigner`): itsdangerous
        makes each again with the same key at the same frozen second and
        must give the same bytes, and its verdict on the (maybe altered)
        token under its own key list must be the Rust side's. Writes
        {"itsdangerous_version", "checked", "counts", "failures": [...]}.

    interop.py make-itsdangerous CONFIG_JSON OUT_JSON
        CONFIG_JSON as for make-flask. itsdangerous signs random payloads
        and strings with random options and keys, alters some, and gives its
        verdict under a random key list (oldest to newest). Writes
        {"itsdangerous_version", "seed", "cases": [...]}.

Exit status: 0 when the run completed (failures are reported in the result
file, not by the exit status), 2 on a usage or set-up error.
"""

import json
import random
import struct
import sys
import types
import uuid
from datetime import date, datetime, timedelta, timezone
from importlib.metadata import version

import itsdangerous
import itsdangerous.timed
from flask import Flask, session
from markupsafe import Markup

DEFAULT_LIFETIME = 2678400


class FrozenClock:
    """Stands in for the `time` module inside itsdangerous.timed only."""

    def __init__(self):
        self.now = 0.0

    def time(self):
        return self.now


CLOCK = FrozenClock()
# itsdangerous.timed does `import time` and calls `time.time()` both for the
# timestamp it writes and for the age it checks.
itsdangerous.timed.time = types.SimpleNamespace(time=CLOCK.time)

# What the next /write request puts in the session (one process, so a
# global is the simplest way to hand Python-only values to a view).
PENDING = {}


def make_app(secret_key, fallbacks, lifetime):
    app = Flask("interop")
    app.config.update(
        SECRET_KEY=secret_key,
        SECRET_KEY_FALLBACKS=list(fallbacks),
        PERMANENT_SESSION_LIFETIME=lifetime,
        TESTING=False,
        PROPAGATE_EXCEPTIONS=False,
    )

    @app.get("/read")
    def read():
        # The session as open_session loaded it, in Flask's own tagged JSON
        # text; reading does not modify it.
        return {
            "json": app.session_interface.serializer.dumps(dict(session)),
            "new": session.new,
        }

    @app.get("/write/<int:index>")
    def write(index):
        session.update(PENDING.pop(index))
        return "ok"

    return app


APPS = {}


def app_for(secret_key, fallbacks, lifetime):
    key = (secret_key, tuple(fallbacks), lifetime)
    if key not in APPS:
        APPS[key] = make_app(secret_key, fallbacks, lifetime)
    return APPS[key]


def serializer(app):
    return app.session_interface.get_signing_serializer(app)


def outcome_of_loads(app, cookie, max_age, now):
    """Flask's serializer verdict at `now`: (outcome, value or detail)."""
    CLOCK.now = float(now)
    with app.app_context():
        try:
            value = serializer(app).loads(cookie, max_age=max_age)
        except itsdangerous.SignatureExpired as exc:
            return "expired", str(exc)
        except itsdangerous.BadSignature as exc:
            return "bad_signature", str(exc)
        except itsdangerous.BadPayload as exc:
            return "bad_payload", str(exc)
    return "ok", value


def dumps_json(app, value):
    """The tagged JSON text Flask signs for `value` (inside a context)."""
    with app.app_context():
        return app.session_interface.serializer.dumps(value)


def dumps_cookie(app, value, timestamp):
    CLOCK.now = timestamp + 0.75  # itsdangerous truncates the clock
    with app.app_context():
        return serializer(app).dumps(value)


def session_cookie_from(response):
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name == "session":
            return rest.split(";", 1)[0]
    return None


def request_read(app, cookie, now):
    """A real request carrying `cookie`: (status, body json or None)."""
    CLOCK.now = float(now)
    client = app.test_client()
    client.set_cookie("session", cookie)
    response = client.get("/read")
    if response.status_code != 200:
        return response.status_code, None
    return 200, response.get_json()


def request_write(app, value, timestamp):
    """A real request that puts `value` in a new session: its Set-Cookie."""
    CLOCK.now = timestamp + 0.25
    index = len(PENDING) + 1_000_000 + random.getrandbits(30)
    PENDING[index] = value
    response = app.test_client().get("/write/%d" % index)
    return session_cookie_from(response)


# --------------------------------------------------------------------------
# check-rust


def check_rust(cases_path, result_path):
    with open(cases_path, encoding="utf-8") as f:
        doc = json.load(f)
    secret_key = doc["flask_secret_key"]
    fallbacks = doc["flask_fallbacks"]

    failures = []
    counts = {
        "cases": 0,
        "loads": 0,
        "json_text": 0,
        "redumped_identical": 0,
        "request_read": 0,
        "request_set_cookie_identical": 0,
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
        max_age = case["max_age"]
        expected = case["expect"]
        app = app_for(secret_key, fallbacks, max_age)

        # 1. The serializer Flask builds for the app, at the frozen `now`.
        outcome, value = outcome_of_loads(app, cookie, max_age, case["now"])
        if outcome != expected:
            fail(case, "loads outcome", expected, "%s (%s)" % (outcome, value))
            continue
        counts["loads"] += 1

        payload = None
        loads = case["loads"]
        if expected == "ok" or (expected == "expired" and loads):
            if expected == "expired":
                # The payload of an expired cookie is still authentic.
                outcome, value = outcome_of_loads(app, cookie, None, case["now"])
                if outcome != "ok":
                    fail(case, "loads without max_age", "ok", outcome)
                    continue
            payload = value
            text = dumps_json(app, payload)
            if text != case["json"]:
                fail(case, "tagged JSON text", case["json"], text)
                continue
            counts["json_text"] += 1

            # 2. Flask signs the same value at the same second with the key
            # the Rust side used: the same cookie, byte for byte.
            signer = app_for(case["signing_secret"], [], max_age)
            again = dumps_cookie(signer, payload, case["timestamp"])
            if again != cookie:
                fail(case, "serializer dumps cookie", cookie, again)
                continue
            counts["redumped_identical"] += 1
        elif expected == "expired":
            outcome, value = outcome_of_loads(app, cookie, None, case["now"])
            if outcome != "bad_payload":
                fail(case, "loads without max_age", "bad_payload", outcome)
                continue

        # 3. A real request carrying the cookie: open_session gives the
        # value, or an empty session for any BadSignature, or HTTP 500.
        status, body = request_read(app, cookie, case["now"])
        if expected == "bad_payload":
            want = (500, None)
        elif expected != "ok":
            want = (200, "{}")
        elif case["is_session"]:
            want = (200, case["json"])
        else:
            # Not a dict: Flask's session class takes whatever dict() makes
            # of it, or the request fails.
            try:
                want = (200, dumps_json(app, dict(payload)))
            except (TypeError, ValueError):
                want = (500, None)
        got = (status, body["json"] if body else None)
        if got != want:
            fail(case, "request open_session", str(want), str(got))
            continue
        counts["request_read"] += 1

        # 4. A real request that writes the same session: its Set-Cookie
        # is our cookie (Flask never writes an empty session).
        if (
            expected == "ok"
            and case["is_session"]
            and payload
            and case["signing_secret"] == secret_key
        ):
            set_cookie = request_write(app, payload, case["timestamp"])
            if set_cookie != cookie:
                fail(case, "request Set-Cookie", cookie, str(set_cookie))
                continue
            counts["request_set_cookie_identical"] += 1

    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "flask_version": version("flask"),
                "itsdangerous_version": version("itsdangerous"),
                "checked": counts["cases"],
                "counts": counts,
                "failures": failures,
            },
            f,
            indent=1,
        )


# --------------------------------------------------------------------------
# make-flask: random sessions, Python-only values included

TAG_NAMES = [" t", " b", " m", " u", " d", " di"]


class Gen:
    def __init__(self, seed):
        self.r = random.Random(seed)

    def char(self):
        r = self.r
        pick = r.random()
        if pick < 0.45:
            return chr(r.randint(0x20, 0x7E))
        if pick < 0.55:
            return r.choice('"\\/<>&\'')
        if pick < 0.62:
            return chr(r.choice([*range(0x20), 0x7F]))
        if pick < 0.75:
            return r.choice("\u00e9\u00fc\u4e2d\u2028\u2029\ufeff\uffff\u00a0\u20ac")
        if pick < 0.88:
            while True:
                c = r.randint(0x80, 0xFFFF)
                if not 0xD800 <= c <= 0xDFFF:
                    return chr(c)
        return chr(r.randint(0x10000, 0x10FFFF))

    def string(self, max_len=14):
        r = self.r
        if r.random() < 0.08:
            return r.choice(["", "</script>", " t", " di", "x__", "\u00e9\u4e2d"])
        return "".join(self.char() for _ in range(r.randint(0, max_len)))

    def integer(self):
        r = self.r
        pick = r.random()
        if pick < 0.3:
            return r.choice([0, 1, -1, 2**53 + 1, 2**63 - 1, -(2**63), 2**64, 10**30])
        if pick < 0.7:
            return r.randint(-(2**63), 2**63 - 1)
        n = r.getrandbits(r.randint(65, 160))
        return -n if r.random() < 0.5 else n

    def floating(self):
        r = self.r
        if r.random() < 0.3:
            return r.choice(
                [0.0, -0.0, 1.0, 0.1, 1e16, 1e-5, 1e-4, 1e15, 5e-324, 1.7976931348623157e308, 100.0]
            )
        while True:
            value = struct.unpack("<d", struct.pack("<Q", r.getrandbits(64)))[0]
            if value == value and value not in (float("inf"), float("-inf")):
                return value

    def moment(self):
        r = self.r
        seconds = r.randint(-2_000_000_000, 4_000_000_000)
        micro = r.choice([0, r.randint(0, 999_999)])
        pick = r.random()
        if pick < 0.4:
            return datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=micro)
        if pick < 0.7:
            # Naive: Flask treats it as UTC.
            return datetime.fromtimestamp(seconds, timezone.utc).replace(
                microsecond=micro, tzinfo=None
            )
        offset = timezone(timedelta(minutes=r.randint(-14 * 60, 14 * 60)))
        return datetime.fromtimestamp(seconds, offset).replace(microsecond=micro)

    def python_only(self, depth):
        """A value JSON has no word for."""
        r = self.r
        pick = r.randint(0, 6)
        if pick == 0:
            return tuple(self.value(depth + 1) for _ in range(r.randint(0, 3)))
        if pick == 1:
            return bytes(r.getrandbits(8) for _ in range(r.randint(0, 20)))
        if pick == 2:
            return Markup(self.string(12))
        if pick == 3:
            return uuid.UUID(int=r.getrandbits(128))
        if pick == 4:
            return self.moment()
        if pick == 5:
            # Untagged: the provider turns a date into an HTTP date string.
            return date(r.randint(1, 9999), r.randint(1, 12), r.randint(1, 28))
        # A plain dict that looks tagged: escaped with " di".
        return {r.choice(TAG_NAMES): self.value(depth + 1)}

    def scalar(self):
        r = self.r
        pick = r.random()
        if pick < 0.35:
            return self.string()
        if pick < 0.55:
            return self.integer()
        if pick < 0.75:
            return self.floating()
        if pick < 0.87:
            return r.choice([True, False])
        if pick < 0.95:
            return None
        return "lorem ipsum " * r.randint(20, 200)

    def value(self, depth=0):
        r = self.r
        if depth >= 4:
            return self.scalar()
        pick = r.random()
        if pick < 0.5:
            return self.scalar()
        if pick < 0.62:
            return self.python_only(depth)
        if pick < 0.8:
            return [self.value(depth + 1) for _ in range(r.randint(0, 4))]
        return {self.string(8): self.value(depth + 1) for _ in range(r.randint(0, 4))}

    def plain(self, depth):
        """A value with a JSON form only (what json.dumps takes as it is)."""
        r = self.r
        if depth >= 4:
            return self.scalar()
        pick = r.random()
        if pick < 0.55:
            return self.scalar()
        if pick < 0.75:
            return [self.plain(depth + 1) for _ in range(r.randint(0, 4))]
        out = {}
        for _ in range(r.randint(0, 4)):
            # Now and then a key that reads like a number.
            key = str(r.randint(-5, 5)) if r.random() < 0.1 else self.string(8)
            out[key] = self.plain(depth + 1)
        return out

    def record(self):
        """What reset and confirmation links carry."""
        r = self.r
        return {
            "user_id": r.randint(1, 10**9),
            "email": self.string(10) + "@example.com",
            "next": r.choice(["/", "/account", "/café?x=1&y=中"]),
        }

    def session(self):
        r = self.r
        out = {}
        if r.random() < 0.3:
            out["_user_id"] = str(r.randint(1, 10**6))
            out["_fresh"] = r.random() < 0.5
            out["_id"] = "%0128x" % r.getrandbits(512)
        if r.random() < 0.3:
            out["_permanent"] = True
        for _ in range(r.randint(0, 6)):
            out[self.string(10)] = self.value(1)
        if not out:
            out["k"] = self.value(1)
        return out


def has_python_only(value):
    if isinstance(value, (tuple, bytes, Markup, uuid.UUID, datetime)):
        return True
    if isinstance(value, dict):
        return any(has_python_only(v) for v in value.values())
    if isinstance(value, list):
        return any(has_python_only(v) for v in value)
    return False


def make_flask(config_path, out_path):
    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    secret_key = config["secret_key"]
    fallbacks = config["secret_key_fallbacks"]
    g = Gen(config["seed"])
    r = g.r
    random.seed(config["seed"])
    pool = [secret_key, *fallbacks, *config["other_keys"]]
    base_time = 1_760_000_000
    cases = []
    for index in range(config["count"]):
        timestamp = base_time + r.randint(0, 10**6)
        lifetime = r.choice([DEFAULT_LIFETIME] * 5 + [0, 1, 60, 3600])
        payload = g.session()
        if r.random() < 0.6:
            signing_key = secret_key
        else:
            signing_key = r.choice(pool)
        # Signed by an app whose SECRET_KEY is the signing key: through a
        # real request half of the time, through the serializer otherwise.
        signer = app_for(signing_key, [], lifetime)
        if r.random() < 0.5:
            via = "request Set-Cookie"
            cookie = request_write(signer, dict(payload), timestamp)
        else:
            via = "serializer dumps"
            cookie = dumps_cookie(signer, payload, timestamp)
        app = app_for(secret_key, fallbacks, lifetime)
        wire = dumps_json(app, payload)

        span = lifetime
        now = timestamp + r.choice(
            [0, span, span + 1, r.randint(0, span), span + r.randint(1, 10**7), -1, -r.randint(1, 10**6)]
        )
        outcome, value = outcome_of_loads(app, cookie, lifetime, now)
        if outcome == "ok" and dumps_json(app, value) != wire:
            raise SystemExit("case %d: Flask does not read back its own text" % index)
        # A real request agrees with the serializer's verdict.
        status, body = request_read(app, cookie, now)
        want = wire if outcome == "ok" else "{}"
        if (status, body and body["json"]) != (200, want):
            raise SystemExit(
                "case %d: open_session gave %r, the serializer %s" % (index, body, outcome)
            )
        # The session as the application sees it (escapes removed), for
        # sessions without Python-only values.
        plain = None
        if outcome != "bad_signature":
            authentic = outcome_of_loads(app, cookie, None, now)[1]
            if not has_python_only(authentic):
                plain = json.dumps(authentic, separators=(",", ":"), sort_keys=True)
        # The key's index in the Rust ring: 0 SECRET_KEY, i the i-th fallback.
        key_index = None
        if signing_key == secret_key:
            key_index = 0
        elif signing_key in fallbacks:
            key_index = fallbacks.index(signing_key) + 1
        cases.append(
            {
                "index": index,
                "via": via,
                "cookie": cookie,
                "signing_key": signing_key,
                "expected_key_index": key_index,
                "timestamp": timestamp,
                "now": now,
                "max_age": lifetime,
                "expect": outcome,
                "wire": wire,
                "plain": plain,
                "tagged": has_python_only(payload),
            }
        )

    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "flask_version": version("flask"),
                "itsdangerous_version": version("itsdangerous"),
                "seed": config["seed"],
                "cases": cases,
            },
            f,
            indent=1,
        )

# --------------------------------------------------------------------------
# itsdangerous' own signers and serializers: check-rust-tokens and
# make-itsdangerous

B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
TOKEN_SEPS = [":", "|", "~~", "/", "!"]
DIGESTS = ["sha1", "sha256", "sha512"]
KEY_DERIVATIONS = ["django-concat", "concat", "hmac", "none"]
# None is the class's default salt (b"itsdangerous" for the serializers,
# b"itsdangerous.Signer" for the signers); "" is an empty salt.
TOKEN_SALTS = [
    None,
    None,
    "",
    "itsdangerous",
    "email-confirm",
    "password-reset",
    "pr\u00e9f\u00e9rences \u2713 \u4e2d",
    "\U0001F511",
    "x" * 100,
]
WTF_SALT = "wtf-csrf-token"
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


def token_object(case, keys):
    """The itsdangerous object a case is about, over `keys` (a str, or a
    list from the oldest to the newest)."""
    import hashlib

    kind, salt = case["kind"], case["salt"]
    if kind == "wtf":
        # Flask-WTF's generate_csrf / validate_csrf.
        return itsdangerous.URLSafeTimedSerializer(keys, salt=WTF_SALT)
    kwargs = {
        "key_derivation": case["key_derivation"],
        "digest_method": getattr(hashlib, case["digest"]),
        "sep": case["sep"],
    }
    if kind == "serializer":
        if salt is None:
            return itsdangerous.URLSafeTimedSerializer(keys, signer_kwargs=kwargs)
        return itsdangerous.URLSafeTimedSerializer(keys, salt=salt, signer_kwargs=kwargs)
    cls = itsdangerous.TimestampSigner if kind == "timestamp" else itsdangerous.Signer
    if salt is None:
        return cls(keys, **kwargs)
    return cls(keys, salt=salt, **kwargs)


def is_serializer(case):
    return case["kind"] in ("serializer", "wtf")


def token_sign(case, key, clock):
    CLOCK.now = clock
    obj = token_object(case, key)
    if is_serializer(case):
        return obj.dumps(json.loads(case["json"]))
    return obj.sign(case["value"]).decode("utf-8")


def token_verdict(case, token, keys):
    """itsdangerous' verdict: (verdict, value text or detail)."""
    from itsdangerous._json import _CompactJSON

    CLOCK.now = case["now_secs"] + case["now_nanos"] / 1e9
    obj = token_object(case, keys)
    try:
        if is_serializer(case):
            value = _CompactJSON.dumps(obj.loads(token, max_age=case["max_age"]))
        elif case["kind"] == "timestamp":
            value = obj.unsign(token, max_age=case["max_age"]).decode("utf-8")
        else:
            value = obj.unsign(token).decode("utf-8")
    except itsdangerous.SignatureExpired as exc:
        return "expired", str(exc)
    except itsdangerous.BadPayload as exc:
        return "bad_payload", str(exc)
    except itsdangerous.BadSignature as exc:
        return "bad_signature", str(exc)
    except Exception as exc:  # noqa: BLE001 - whatever escapes itsdangerous
        return "error", "%s: %s" % (type(exc).__name__, exc)
    return "ok", value


def check_rust_tokens(cases_path, result_path):
    with open(cases_path, encoding="utf-8") as f:
        doc = json.load(f)
    failures = []
    counts = {"cases": 0, "resigned_identical": 0, "verdicts": 0, "values": 0, "known": 0}

    def fail(case, what, expected, actual):
        failures.append(
            {"index": case["index"], "what": what, "expected": expected, "actual": actual}
        )

    for case in doc["cases"]:
        counts["cases"] += 1
        # 1. itsdangerous makes the same token with the same key at the same
        # (fractional) second: the same bytes.
        clock = case["timestamp"] + case["clock_nanos"] / 1e9
        again = token_sign(case, case["signing_secret"], clock)
        if again == case["signed"]:
            counts["resigned_identical"] += 1
        else:
            fail(case, "itsdangerous' token for the same value", case["signed"], again)

        # 2. Its verdict under its key list (oldest to newest).
        verdict, value = token_verdict(case, case["token"], case["its_keys"])
        known = case.get("known")
        expected = known["its"] if known else case["expect"]
        if verdict != expected:
            fail(case, "verdict", expected, "%s (%s)" % (verdict, value))
            continue
        counts["verdicts"] += 1
        counts["known"] += 1 if known else 0
        if verdict == "ok" and not known:
            if value != case["value_out"]:
                fail(case, "value", case["value_out"], value)
                continue
            counts["values"] += 1

    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "itsdangerous_version": version("itsdangerous"),
                "checked": counts["cases"],
                "counts": counts,
                "failures": failures,
            },
            f,
            indent=1,
        )


def token_mutate(r, g, token, sep, timestamped):
    """One alteration of `token`: (name, token)."""
    from itsdangerous.encoding import base64_decode, base64_encode, bytes_to_int, int_to_bytes

    mutation = r.choice([m for m in MUTATIONS if timestamped or m != "ts-swap"])
    value, sig = token.rsplit(sep, 1)
    if mutation == "sig-char":
        i = r.randrange(len(sig) - 1)
        c = r.choice([x for x in B64_ALPHABET if x != sig[i]])
        return mutation, value + sep + sig[:i] + c + sig[i + 1 :]
    if mutation == "sig-noncanonical":
        # The same tag to itsdangerous' lenient base64, not to ours.
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
    rest, ts = value.rsplit(sep, 1)
    moved = bytes_to_int(base64_decode(ts)) + r.randint(1, 1000)
    return mutation, rest + sep + base64_encode(int_to_bytes(moved)).decode() + sep + sig


def make_itsdangerous(config_path, out_path):
    import hashlib

    from itsdangerous._json import _CompactJSON

    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)
    secret_key = config["secret_key"]
    fallbacks = config["secret_key_fallbacks"]
    g = Gen(config["seed"])
    r = g.r
    pool = [secret_key, *fallbacks, *config["other_keys"]]
    base_time = 1_760_000_000
    cases = []
    for index in range(config["count"]):
        kind = r.choices(["serializer", "wtf", "signer", "timestamp"], weights=[45, 10, 20, 25])[0]
        case = {"index": index, "kind": kind}
        if kind == "wtf":
            case.update(salt=WTF_SALT, sep=".", digest="sha1", key_derivation="django-concat")
        else:
            case["salt"] = r.choice([*TOKEN_SALTS, g.string(8)])
            case["sep"] = "." if r.random() < 0.6 else r.choice(TOKEN_SEPS)
            case["digest"] = r.choice(DIGESTS)
            case["key_derivation"] = r.choice(KEY_DERIVATIONS)
        sep = case["sep"]
        if kind == "wtf":
            payload = hashlib.sha1(r.getrandbits(512).to_bytes(64, "big")).hexdigest()
            case["json"], case["value"] = _CompactJSON.dumps(payload), None
        elif kind == "serializer":
            pick = r.randrange(20)
            if pick < 15:
                payload = g.plain(0)
            elif pick < 18:
                payload = g.record()
            else:
                # Large and repetitive: compressed.
                payload = [g.record() for _ in range(r.randint(20, 120))]
            case["json"], case["value"] = _CompactJSON.dumps(payload), None
        else:
            pick = r.randrange(20)
            value = "" if pick == 0 else "lorem ipsum " * r.randint(20, 200) if pick < 3 else g.string(20)
            if r.random() < 0.25:
                i = r.randint(0, len(value))
                value = value[:i] + sep + value[i:]
            case["json"], case["value"] = None, value

        # The signing key; rarely the empty key, which itsdangerous takes
        # as a key like any other.
        if kind == "wtf":
            signing_key = secret_key if r.random() < 0.85 else r.choice(pool)
        elif r.random() < 0.03:
            signing_key = ""
        else:
            signing_key = r.choice(pool)
        case["signing_key"] = signing_key
        timestamp = base_time + r.randint(0, 10**6)
        clock_nanos = r.choice([0, 0, 1, 256, 511, r.randint(0, 511)]) * 1953125
        case["timestamp"], case["clock_nanos"] = timestamp, clock_nanos
        signed = token_sign(case, signing_key, timestamp + clock_nanos / 1e9)
        case["signed"] = signed
        if r.random() < 0.3:
            case["mutation"], case["token"] = token_mutate(r, g, signed, sep, kind != "signer")
        else:
            case["mutation"], case["token"] = None, signed

        # The list itsdangerous holds, newest first here (as our ring):
        # the signing key first, as a fallback, or absent; never the empty
        # key first (a ring cannot sign with it).
        if kind == "wtf":
            ring = [secret_key]
        else:
            extra = [""] if r.random() < 0.1 or signing_key == "" else []
            others = [k for k in pool + extra if k != signing_key]
            r.shuffle(others)
            position = r.choices([0, 1, 2, None], weights=[50, 25, 17, 8])[0]
            if position is None:
                ring = others[: r.randint(1, 3)]
            else:
                ring = others[:position] + [signing_key] + others[position : position + r.randint(0, 2)]
            if ring[0] == "":
                ring = ring[1:] + [""] if len(ring) > 1 else [secret_key, ""]
        case["rust_ring"] = ring
        case["its_keys"] = list(reversed(ring))
        case["expected_key_index"] = ring.index(signing_key) if signing_key in ring else None

        # itsdangerous counts whole seconds: int(time.time()) - timestamp.
        if kind == "signer":
            max_age = None
        elif kind == "wtf":
            max_age = 3600
        else:
            max_age = r.choice([None, None, 0, 1, 60, 3600, 86400, 59.5])
        case["max_age"] = max_age
        span = int((max_age if max_age is not None else 10**7) * 512)
        delta = r.choice(
            [0, span, span - 1, span + 1, span + 512, r.randint(0, span), -1, -512,
             span + r.randint(1, 10**7 * 512), -r.randint(1, 10**6 * 512)]
        )
        now_secs, rest = divmod(timestamp * 512 + delta, 512)
        case["now_secs"], case["now_nanos"] = now_secs, rest * 1953125
        verdict, value = token_verdict(case, case["token"], case["its_keys"])
        case["expect"] = verdict
        case["detail"] = None if verdict == "ok" else value
        case["value_out"] = value if verdict == "ok" else None
        cases.append(case)

    with open(out_path, "w", encoding="utf-8") as f:
        json.dump(
            {
                "itsdangerous_version": version("itsdangerous"),
                "seed": config["seed"],
                "cases": cases,
            },
            f,
            indent=1,
        )


def main(argv):
    if len(argv) == 4 and argv[1] == "check-rust":
        check_rust(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "make-flask":
        make_flask(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "check-rust-tokens":
        check_rust_tokens(argv[2], argv[3])
    elif len(argv) == 4 and argv[1] == "make-itsdangerous":
        make_itsdangerous(argv[2], argv[3])
    else:
        sys.stderr.write(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
