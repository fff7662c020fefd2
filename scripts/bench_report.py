#!/usr/bin/env python3
"""Turns one benchmark run into the numbers of BENCHMARKS.md.

    cargo bench --bench codec
    python3 benches/python_reference.py > target/bench-python.json
    python3 scripts/bench_report.py [--markdown] [--svg docs/benchmarks.svg]

Reads criterion's medians (target/criterion/*/*/new/estimates.json) and the
Python reference timings, and prints one JSON object of ratios (the form
to track over time); --markdown prints the tables instead, --svg writes the
chart of time per operation against payload size.
"""

import argparse
import json
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
CRITERION = ROOT / "target" / "criterion"
PYTHON = ROOT / "target" / "bench-python.json"
PAYLOADS = ["small", "2kb", "4kb"]
SIZES = {}


def median_ns(group, bench):
    path = CRITERION / group.replace("/", "_") / bench / "new" / "estimates.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["median"]["point_estimate"]


def load():
    for name in PAYLOADS:
        SIZES[name] = len((ROOT / "benches" / "payloads" / f"{name}.json").read_text().strip())
    t = {}
    for name in PAYLOADS:
        for group in (f"ours/{name}", f"floor/{name}", f"roundtrip/{name}"):
            directory = CRITERION / group.replace("/", "_")
            if directory.exists():
                for bench in sorted(p.name for p in directory.iterdir() if p.is_dir() and p.name != "report"):
                    t[f"{group}/{bench}"] = median_ns(group, bench)
    for group in ("forged/small", "keys/small"):
        directory = CRITERION / group.replace("/", "_")
        if directory.exists():
            for bench in sorted(p.name for p in directory.iterdir() if p.is_dir() and p.name != "report"):
                t[f"{group}/{bench}"] = median_ns(group, bench)
    python = json.loads(PYTHON.read_text()) if PYTHON.exists() else {"django": {}, "flask": {}}
    return t, python


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return round(a / b, 3)


def ratios(t, python):
    out = {}
    for name in PAYLOADS:
        ours = lambda b: t.get(f"ours/{name}/{b}")
        floor = lambda b: t.get(f"floor/{name}/{b}")
        rt = lambda b: t.get(f"roundtrip/{name}/{b}")
        decode_floor = sum(filter(None, [floor("base64_decode"), floor("hmac_sha256"), floor("json_parse")]))
        encode_floor = sum(filter(None, [floor("json_serialize"), floor("base64_encode"), floor("hmac_sha256")]))
        verify_floor = sum(filter(None, [floor("base64_decode"), floor("hmac_sha256")]))
        r = {
            "django_decode_over_floor": ratio(ours("django_decode"), decode_floor),
            "django_decode_read_all_over_floor": ratio(ours("django_decode_read_all"), decode_floor),
            "django_encode_over_floor": ratio(ours("django_encode"), encode_floor),
            "django_decode_over_base64_hmac": ratio(ours("django_decode"), verify_floor),
            "signed_jar_over_ours_django_roundtrip": ratio(rt("cookie_signed_jar"), rt("ours_django")),
            "signed_jar_over_ours_native_signed_roundtrip": ratio(rt("cookie_signed_jar"), rt("ours_native_signed")),
            "private_jar_over_ours_native_encrypted_roundtrip": ratio(
                rt("cookie_private_jar"), rt("ours_native_encrypted")
            ),
            "django_loads_over_ours_decode": ratio(
                (python["django"].get(f"{name}/decode") or 0), ours("django_decode")
            ),
            "django_dumps_over_ours_encode": ratio(
                (python["django"].get(f"{name}/encode") or 0), ours("django_encode")
            ),
            "django_loads_zlib_over_ours_decode": ratio(
                (python["django"].get(f"{name}/decode_zlib") or 0), ours("django_zlib_decode")
            ),
            "django_dumps_zlib_over_ours_encode": ratio(
                (python["django"].get(f"{name}/encode_zlib") or 0), ours("django_zlib_encode")
            ),
            "flask_loads_over_ours_django_decode": ratio(
                (python["flask"].get(f"{name}/decode") or 0), ours("django_decode")
            ),
            "flask_dumps_over_ours_django_encode": ratio(
                (python["flask"].get(f"{name}/encode") or 0), ours("django_encode")
            ),
        }
        out[name] = r
    forged = t.get("forged/small/ours_django_reject")
    out["forged_reject_over_base64_tag_and_hmac"] = ratio(forged, t.get("forged/small/floor_base64_tag_and_hmac"))
    out["django_last_of_8_over_last_of_1_fallbacks"] = ratio(
        t.get("keys/small/django_last_of_8_fallbacks"), t.get("keys/small/django_last_of_1_fallbacks")
    )
    out["native_last_of_10_over_last_of_3_keys"] = ratio(
        t.get("keys/small/native_last_of_10_keys"), t.get("keys/small/native_last_of_3_keys")
    )
    return out


def markdown(t, python):
    lines = ["| operation | " + " | ".join(f"{n} ({SIZES[n]} B)" for n in PAYLOADS) + " |"]
    lines.append("|---|" + "---:|" * len(PAYLOADS))
    rows = []
    for group in ("ours", "roundtrip", "floor"):
        benches = sorted({k.split("/")[2] for k in t if k.startswith(group + "/") and k.split("/")[1] in PAYLOADS})
        for bench in benches:
            rows.append((f"{group}/{bench}", [t.get(f"{group}/{n}/{bench}") for n in PAYLOADS]))
    for who in ("django", "flask"):
        for op in sorted({k.split("/")[1] for k in python.get(who, {})}):
            rows.append((f"python/{who}_{op}", [python[who].get(f"{n}/{op}") for n in PAYLOADS]))
    for label, values in rows:
        cells = [f"{v:,.0f}" if v is not None else "" for v in values]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| single measurement | ns |")
    lines.append("|---|---:|")
    for key in sorted(k for k in t if k.startswith(("forged/", "keys/"))):
        lines.append(f"| {key} | {t[key]:,.0f} |")
    return "\n".join(lines)


def svg(t, python, path):
    series = [
        ("ours: Django decode", [t.get(f"ours/{n}/django_decode") for n in PAYLOADS], "#d35400"),
        ("ours: Django encode", [t.get(f"ours/{n}/django_encode") for n in PAYLOADS], "#e67e22"),
        ("ours: native encrypted decode", [t.get(f"ours/{n}/native_encrypted_decode") for n in PAYLOADS], "#8e44ad"),
        ("cookie SignedJar add+get", [t.get(f"roundtrip/{n}/cookie_signed_jar") for n in PAYLOADS], "#2980b9"),
        ("cookie PrivateJar add+get", [t.get(f"roundtrip/{n}/cookie_private_jar") for n in PAYLOADS], "#16a085"),
        ("floor: base64 + HMAC + JSON parse", [
            sum(filter(None, [t.get(f"floor/{n}/{b}") for b in ("base64_decode", "hmac_sha256", "json_parse")])) or None
            for n in PAYLOADS
        ], "#7f8c8d"),
        ("floor: base64 + HMAC", [
            sum(filter(None, [t.get(f"floor/{n}/{b}") for b in ("base64_decode", "hmac_sha256")])) or None
            for n in PAYLOADS
        ], "#34495e"),
        ("Django signing.loads", [python.get("django", {}).get(f"{n}/decode") for n in PAYLOADS], "#27ae60"),
        ("Flask serializer.loads", [python.get("flask", {}).get(f"{n}/decode") for n in PAYLOADS], "#c0392b"),
    ]
    import math

    width, height, left, right, top, bottom = 760, 420, 70, 250, 30, 50
    xs = [SIZES[n] for n in PAYLOADS]
    values = [v for _, vs, _ in series for v in vs if v]
    lo, hi = math.floor(math.log10(min(values))), math.ceil(math.log10(max(values)))
    x_of = lambda x: left + (x - xs[0]) / (xs[-1] - xs[0]) * (width - left - right)
    y_of = lambda v: top + (hi - math.log10(v)) / (hi - lo) * (height - top - bottom)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">']
    out.append(f'<rect width="{width}" height="{height}" fill="white"/>')
    out.append(f'<text x="{left}" y="18" font-size="14">Time per operation (log scale) against JSON size; one run</text>')
    for e in range(lo, hi + 1):
        y = y_of(10 ** e)
        label = {0: "1 ns", 1: "10 ns", 2: "100 ns", 3: "1 µs", 4: "10 µs", 5: "100 µs", 6: "1 ms"}.get(e, f"1e{e} ns")
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        out.append(f'<text x="{left - 8}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for n, x in zip(PAYLOADS, xs):
        out.append(f'<text x="{x_of(x):.1f}" y="{height - bottom + 18}" text-anchor="middle">{x} B</text>')
    for i, (label, vs, color) in enumerate(series):
        points = [(x_of(x), y_of(v)) for x, v in zip(xs, vs) if v]
        if len(points) > 1:
            out.append(
                f'<polyline fill="none" stroke="{color}" stroke-width="2" points="'
                + " ".join(f"{px:.1f},{py:.1f}" for px, py in points) + '"/>'
            )
        for px, py in points:
            out.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{color}"/>')
        ly = top + 10 + i * 20
        out.append(f'<rect x="{width - right + 15}" y="{ly - 8}" width="12" height="12" fill="{color}"/>')
        out.append(f'<text x="{width - right + 32}" y="{ly + 2}">{label}</text>')
    out.append("</svg>")
    pathlib.Path(path).write_text("\n".join(out) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--svg")
    args = parser.parse_args()
    t, python = load()
    if not t:
        sys.exit("no criterion output: run `cargo bench --bench codec` first")
    if args.svg:
        svg(t, python, args.svg)
    if args.markdown:
        print(markdown(t, python))
    else:
        print(json.dumps(ratios(t, python), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
