#!/usr/bin/env python3
"""Regenerate service-catalog/data/policies/ from pinned registry packages.

Standard library only (Python 3.11+).

    python3 service-catalog/generate_policies.py            # (re)write data/policies/
    python3 service-catalog/generate_policies.py --check    # exit 1 if data/policies/ is stale

Output
  * data/policies/aws_managed.json     the default-version document of every AWS managed
                                       policy, keyed by path + name
                                       (`service-role/AWSLambdaBasicExecutionRole`).
                                       From `moto/iam/aws_managed_policies.py` in moto
                                       (PyPI, Apache-2.0).

Artifacts are fetched only with `python3 -m pip download --no-deps ...` into the cache dir
(default service-catalog/.cache/), checked against the sha256 pinned in versions.toml
(`[policies.*]`), and read from the wheel without installing or importing it: moto's
module is a Python file holding one JSON string, which is parsed with `ast`.
"""
from __future__ import annotations

import argparse
import ast
import hashlib
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent  # .../service-catalog
GENERATED_BY = "service-catalog/generate_policies.py"
MOTO_MEMBER = "moto/iam/aws_managed_policies.py"


def log(msg: str) -> None:
    print(msg, file=sys.stderr)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(cache: Path, pins: dict) -> dict[str, Path]:
    """Download each pinned wheel into `cache` unless it is there with the right hash."""
    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, pin in sorted(pins.items()):
        path = cache / pin["file"]
        if not (path.exists() and sha256_of(path) == pin["sha256"]):
            log(f"fetch: pip download {name}=={pin['version']}")
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                 "--disable-pip-version-check", "--quiet", "-d", str(cache),
                 f"{name}=={pin['version']}"],
                check=True,
            )
        if not path.exists():
            sys.exit(f"generate_policies.py: {name}: expected artifact {path} was not produced")
        got = sha256_of(path)
        if got != pin["sha256"]:
            sys.exit(f"generate_policies.py: {name}: sha256 mismatch for {path}: got {got}, pinned {pin['sha256']}")
        out[name] = path
    return out


def aws_managed(wheel: Path, pin: dict) -> dict:
    with zipfile.ZipFile(wheel) as z:
        source = z.read(MOTO_MEMBER).decode("utf-8")
    text = None
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "aws_managed_policies_data" for t in node.targets
        ):
            text = ast.literal_eval(node.value)
    if text is None:
        sys.exit(f"generate_policies.py: {MOTO_MEMBER}: no aws_managed_policies_data string")
    data = json.loads(text)
    policies = {}
    for name, p in sorted(data.items()):
        path = p.get("Path", "/").strip("/")
        key = f"{path}/{name}" if path else name
        policies[key] = {"version": p.get("DefaultVersionId", "v1"), "document": p["Document"]}
    return {
        "generated_by": GENERATED_BY,
        "source": f"moto {pin['version']} {MOTO_MEMBER}",
        "count": len(policies),
        "policies": dict(sorted(policies.items())),
    }


def render(doc: dict) -> str:
    # One entry per line keeps reviews of a refresh readable and the file compact.
    head = {k: v for k, v in doc.items() if k != "policies"}
    body_key = "policies"
    lines = ["{"]
    for k, v in head.items():
        lines.append(f"{json.dumps(k)}:{json.dumps(v, sort_keys=True, separators=(',', ':'))},")
    lines.append(f"{json.dumps(body_key)}:{{")
    items = list(doc[body_key].items())
    for i, (k, v) in enumerate(items):
        comma = "," if i + 1 < len(items) else ""
        lines.append(f"{json.dumps(k)}:{json.dumps(v, sort_keys=True, separators=(',', ':'))}{comma}")
    lines.append("}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def build(cache: Path) -> dict[str, str]:
    pins = tomllib.loads((HERE / "versions.toml").read_text(encoding="utf-8"))["policies"]
    wheels = fetch(cache, pins)
    return {"aws_managed.json": render(aws_managed(wheels["moto"], pins["moto"]))}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", default=str(HERE / ".cache"), help="download cache (default service-catalog/.cache)")
    ap.add_argument("--out", default=str(HERE / "data" / "policies"), help="output directory")
    ap.add_argument("--check", action="store_true", help="regenerate in memory and compare with --out")
    args = ap.parse_args(argv)
    files = build(Path(args.cache))
    out = Path(args.out)
    if args.check:
        bad = 0
        for name, text in sorted(files.items()):
            path = out / name
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                log(f"generate_policies.py --check: {path} is stale")
                bad += 1
        if bad:
            print(f"generate_policies.py --check: {bad} file(s) differ")
            return 1
        print("generate_policies.py --check: data/policies/ is up to date")
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    counts = {name: text.count("\n") - 3 for name, text in files.items()}
    print("entries: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
