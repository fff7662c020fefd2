#!/usr/bin/env python3
"""Times Django's signing.dumps/loads and Flask's session serializer on the
payloads of benches/payloads/ (timeit, the least of 5 repeats: as timeit's
documentation says, the higher ones are other processes interfering, and
the Rust rows are read the same way), for the comparison in BENCHMARKS.md.

    python3 benches/python_reference.py          # sets up target/bench-venv

It creates its own virtualenv with Django 5.2 and Flask 3.1 on first use and
re-runs itself there. Prints one JSON object: {"django": {...}, "flask": {...}}
with nanoseconds per operation per payload.
"""

import importlib.metadata
import json
import os
import pathlib
import platform
import subprocess
import sys
import timeit

ROOT = pathlib.Path(__file__).resolve().parent.parent
VENV = ROOT / "target" / "bench-venv"
PAYLOADS = ["small", "2kb", "4kb"]
SECRET = "django-insecure-benchmark-secret-key-0123456789abcdef"


def ensure_venv():
    python = VENV / "bin" / "python"
    if sys.prefix == str(VENV):
        return
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "django>=5.2,<5.3", "flask>=3.1,<3.2"],
            check=True,
        )
    os.execv(str(python), [str(python), __file__, *sys.argv[1:]])


def per_op_ns(stmt):
    timer = timeit.Timer(stmt)
    loops, _ = timer.autorange()
    runs = timer.repeat(repeat=5, number=loops)
    return min(runs) / loops * 1e9


def main():
    ensure_venv()
    import django
    from django.conf import settings

    settings.configure(SECRET_KEY=SECRET, USE_TZ=True)
    django.setup()
    from django.core import signing
    from flask import Flask

    app = Flask(__name__)
    app.secret_key = SECRET
    salt = "django.contrib.sessions.backends.signed_cookies"
    results = {"django": {}, "flask": {}}
    with app.app_context():
        serializer = app.session_interface.get_signing_serializer(app)
        for name in PAYLOADS:
            value = json.loads((ROOT / "benches" / "payloads" / f"{name}.json").read_text())
            for compress in (False, True):
                suffix = "_zlib" if compress else ""
                cookie = signing.dumps(value, salt=salt, compress=compress)
                results["django"][f"{name}/encode{suffix}"] = per_op_ns(
                    lambda: signing.dumps(value, salt=salt, compress=compress)
                )
                results["django"][f"{name}/decode{suffix}"] = per_op_ns(
                    lambda: signing.loads(cookie, salt=salt, max_age=1209600)
                )
            token = serializer.dumps(value)
            results["flask"][f"{name}/encode"] = per_op_ns(lambda: serializer.dumps(value))
            results["flask"][f"{name}/decode"] = per_op_ns(
                lambda: serializer.loads(token, max_age=2678400)
            )
    results["versions"] = {
        "python": platform.python_version(),
        "django": django.__version__,
        "flask": importlib.metadata.version("flask"),
    }
    print(json.dumps(results, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
