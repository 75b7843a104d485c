#!/usr/bin/env python3
"""Regenerates sam_policy_templates.json: the SAM policy templates (`DynamoDBCrudPolicy`,
`S3ReadPolicy`...) from the pinned aws-sam-translator wheel on PyPI, so leastpriv can
expand a function's SAM `Policies` into the statements its role has today.

    python3 src/sources/template/data/sam_policy_templates.py [--check]
"""
import glob
import json
import os
import subprocess
import sys
import tempfile
import zipfile

VERSION = "1.115.0"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "sam_policy_templates.json")


def build() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", f"aws-sam-translator=={VERSION}",
             "--no-deps", "-q", "-d", tmp],
            check=True,
        )
        wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
        with zipfile.ZipFile(wheel) as z:
            data = json.loads(z.read("samtranslator/policy_templates_data/policy_templates.json"))
    out = {
        "_generated_by": "src/sources/template/data/sam_policy_templates.py",
        "_source": f"aws-sam-translator {VERSION} (Apache-2.0), samtranslator/policy_templates_data/policy_templates.json",
        "Templates": {name: {"Parameters": sorted(t.get("Parameters", {})), "Definition": t["Definition"]}
                      for name, t in sorted(data["Templates"].items())},
    }
    return json.dumps(out, indent=1, sort_keys=False) + "\n"


def main() -> int:
    text = build()
    if "--check" in sys.argv:
        with open(OUT) as f:
            if f.read() != text:
                print("sam_policy_templates.json is out of date; rerun the generator", file=sys.stderr)
                return 1
        return 0
    with open(OUT, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
