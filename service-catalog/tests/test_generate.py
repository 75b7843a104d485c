"""Invariants of the generated service catalog (service-catalog/data/).

Run: python3 -m unittest discover -s service-catalog/tests
Standard library only.  The comparison against botocore itself runs when the pinned
wheel is in the download cache (service-catalog/.cache/, filled by generate.py).
"""
from __future__ import annotations

import gzip
import json
import re
import tomllib
import unittest
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent  # service-catalog/
DATA = HERE / "data"
BASES = {"name", "exception", "reference", "none", "unknown"}


def load_sorted(path: Path):
    """json.load that also asserts every object's keys are sorted and unique."""
    def hook(pairs):
        keys = [k for k, _ in pairs]
        if keys != sorted(keys) or len(set(keys)) != len(keys):
            raise AssertionError(f"{path}: keys not sorted/unique: {keys[:5]}...")
        return dict(pairs)
    with open(path, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=hook)


_cache: dict[str, dict] = {}


def sdk(service: str) -> dict:
    if service not in _cache:
        _cache[service] = load_sorted(DATA / "sdk" / f"{service}.json")
    return _cache[service]


def op(service: str, name: str) -> dict:
    return sdk(service)["operations"][name]


def iam(prefix: str) -> dict:
    key = "iam:" + prefix
    if key not in _cache:
        _cache[key] = load_sorted(DATA / "iam" / f"{prefix}.json")
    return _cache[key]


def action_exists(action: str) -> bool:
    prefix, _, name = action.partition(":")
    path = DATA / "iam" / f"{prefix}.json"
    return path.exists() and name in iam(prefix)["actions"]


def resource(service: str, name: str, action: str, rtype: str) -> dict:
    for r in op(service, name)["resources"]:
        if r["action"] == action and r["type"] == rtype:
            return r
    raise AssertionError(f"{service}.{name}: no resource entry {action} {rtype}: {op(service, name)['resources']}")


class Index(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.index = load_sorted(DATA / "services.json")

    def test_check_without_the_snapshot_says_so_in_one_line(self):
        import contextlib
        import importlib.util
        import io
        spec = importlib.util.spec_from_file_location("generate", HERE / "generate.py")
        generate = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(generate)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = generate.main(["--check", "--service-reference", "/nonexistent/reference.tar.gz"])
        self.assertEqual(code, 2)
        lines = out.getvalue().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("no AWS service reference snapshot at /nonexistent/reference.tar.gz", lines[0])

    def test_generated_by_everywhere(self):
        files = sorted(DATA.rglob("*.json"))
        self.assertGreater(len(files), 800)
        for p in files:
            # data/policies/ is written by generate_policies.py.
            want = "service-catalog/generate_policies.py" if p.relative_to(DATA).parts[0] == "policies" \
                else "service-catalog/generate.py"
            with open(p, encoding="utf-8") as f:
                self.assertEqual(json.load(f).get("generated_by"), want, p)

    def test_services_and_files(self):
        services = self.index["services"]
        self.assertGreater(len(services), 400)
        files = {p.stem for p in (DATA / "sdk").glob("*.json")}
        self.assertEqual(files, set(services))
        total = 0
        for name, entry in services.items():
            doc = sdk(name)
            self.assertEqual(doc["service"], name)
            self.assertEqual(len(doc["operations"]), entry["operations"], name)
            self.assertGreater(entry["operations"], 0, name)
            total += entry["operations"]
        self.assertEqual(total, self.index["counts"]["operations"])
        self.assertGreater(total, 18000)

    def test_counts_match_data(self):
        counts = {b: 0 for b in BASES}
        for name in self.index["services"]:
            for o in sdk(name)["operations"].values():
                counts[o["basis"]] += 1
        c = self.index["counts"]
        self.assertEqual(c["unknown"], counts["unknown"])
        self.assertEqual(c["exceptions"], counts["exception"])
        self.assertEqual(c["permissionless"], counts["none"])
        self.assertEqual(c["name"], counts["name"])
        self.assertEqual(c["reference"], counts["reference"])
        iam_files = list((DATA / "iam").glob("*.json"))
        self.assertEqual(len(iam_files), c["prefixes"])
        self.assertEqual(sum(len(iam(p.stem)["actions"]) for p in iam_files), c["actions"])

    def test_prefixes(self):
        s = self.index["services"]
        expect = {"cloudwatch": "cloudwatch", "sesv2": "ses", "dynamodbstreams": "dynamodb",
                  "bedrock-runtime": "bedrock", "appconfigdata": "appconfig", "iot-data": "iot",
                  "resourcegroupstaggingapi": "tag", "sso": "sso", "mturk": "mechanicalturk",
                  "stepfunctions": "states", "s3": "s3", "lambda": "lambda"}
        for svc, prefix in expect.items():
            self.assertEqual(s[svc]["prefix"], prefix, svc)
        self.assertEqual(s["bedrock-runtime"]["cloudtrail_source"], "bedrock.amazonaws.com")
        self.assertEqual(s["dynamodbstreams"]["cloudtrail_source"], "dynamodb.amazonaws.com")
        self.assertEqual(s["cloudwatch"]["cloudtrail_source"], "monitoring.amazonaws.com")
        self.assertEqual(s["s3"]["v2_class"], "S3")
        self.assertEqual(s["s3"]["v3_package"], "@aws-sdk/client-s3")
        self.assertEqual(s["dynamodbstreams"]["v2_class"], "DynamoDBStreams")
        self.assertEqual(s["logs"]["v3_package"], "@aws-sdk/client-cloudwatch-logs")


class Operations(unittest.TestCase):
    def test_every_operation_well_formed(self):
        index = load_sorted(DATA / "services.json")
        for svc in index["services"]:
            prefix = index["services"][svc]["prefix"]
            for name, o in sdk(svc)["operations"].items():
                where = f"{svc}.{name}"
                for key in ("actions", "basis", "may", "members", "required", "resources"):
                    self.assertIn(key, o, where)
                self.assertIn(o["basis"], BASES, where)
                for key in ("actions", "may", "members", "required"):
                    self.assertEqual(o[key], sorted(set(o[key])), f"{where} {key} not sorted/unique")
                self.assertFalse(set(o["actions"]) & set(o["may"]), where)
                self.assertTrue(set(o["required"]) <= set(o["members"]), where)
                if o["basis"] == "none":
                    self.assertEqual(o["actions"], [], where)
                if o["basis"] in ("name", "exception", "reference"):
                    self.assertTrue(o["actions"], where)
                    for a in o["actions"]:
                        self.assertTrue(action_exists(a), f"{where}: {a} not in data/iam")
                if o["basis"] == "name":
                    self.assertEqual(len(o["actions"]), 1, where)
                    self.assertEqual(o["actions"][0].lower(), f"{prefix}:{name}".lower(), where)
                for r in o["resources"]:
                    self.assertIn(r["action"], o["actions"], where)
                    self.assertTrue(set(r["from"]) <= set(o["members"]), where)
                    self.assertEqual(r["from"], sorted(set(r["vars"].values()) | ({r["arn_member"]} if "arn_member" in r else set())), where)
                    for var in r["vars"]:
                        self.assertIn("${" + var + "}", r["arn"], where)
                    self.assertIn(r["arn"], iam(r["action"].split(":")[0])["resources"][r["type"]], where)

    def test_paginators_and_waiters_point_at_operations(self):
        for p in (DATA / "sdk").glob("*.json"):
            doc = sdk(p.stem)
            for target in list(doc["paginators"].values()) + list(doc["waiters"].values()):
                self.assertIn(target, doc["operations"], p.stem)
        self.assertEqual(sdk("s3")["paginators"]["ListObjectsV2"], "ListObjectsV2")
        self.assertEqual(sdk("s3")["waiters"]["BucketExists"], "HeadBucket")


class Overrides(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.actions = tomllib.loads((HERE / "overrides" / "actions.toml").read_text())
        cls.prefixes = tomllib.loads((HERE / "overrides" / "prefixes.toml").read_text())
        tomllib.loads((HERE / "overrides" / "members.toml").read_text())

    def test_override_actions_exist(self):
        n = 0
        for svc, rows in self.actions.items():
            if svc == "_rules":
                continue
            for name, row in rows.items():
                acts = row if isinstance(row, list) else row.get("actions", [])
                self.assertIn(name, sdk(svc)["operations"], f"{svc}.{name}")
                for a in acts:
                    n += 1
                    self.assertTrue(action_exists(a), f"overrides/actions.toml [{svc}] {name}: {a}")
                got = op(svc, name)
                self.assertEqual(got["actions"], sorted(set(acts)), f"{svc}.{name}")
                want_basis = (row.get("basis") if isinstance(row, dict) else None) or ("exception" if acts else "none")
                self.assertEqual(got["basis"], want_basis, f"{svc}.{name}")
        self.assertGreater(n, 150)

    def test_prefix_overrides_are_services(self):
        index = load_sorted(DATA / "services.json")["services"]
        for svc, prefix in self.prefixes["prefix"].items():
            self.assertEqual(index[svc]["prefix"], prefix)


class Exceptions(unittest.TestCase):
    def assertOp(self, svc, name, actions, basis="exception"):
        o = op(svc, name)
        self.assertEqual(o["actions"], sorted(actions), f"{svc}.{name}")
        self.assertEqual(o["basis"], basis, f"{svc}.{name}")

    def test_s3(self):
        for name in ("ListObjects", "ListObjectsV2", "HeadBucket"):
            self.assertOp("s3", name, ["s3:ListBucket"])
        self.assertOp("s3", "HeadObject", ["s3:GetObject"])
        for name in ("CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "UploadPartCopy", "CopyObject"):
            self.assertOp("s3", name, ["s3:PutObject"])
        self.assertIn("s3:GetObject", op("s3", "CopyObject")["note"])
        self.assertOp("s3", "DeleteObjects", ["s3:DeleteObject"])
        self.assertOp("s3", "ListBuckets", ["s3:ListAllMyBuckets"])
        self.assertOp("s3", "ListObjectVersions", ["s3:ListBucketVersions"])
        self.assertOp("s3", "ListMultipartUploads", ["s3:ListBucketMultipartUploads"])
        self.assertOp("s3", "ListParts", ["s3:ListMultipartUploadParts"])
        self.assertOp("s3", "GetBucketEncryption", ["s3:GetEncryptionConfiguration"])
        self.assertOp("s3", "PutBucketEncryption", ["s3:PutEncryptionConfiguration"])
        self.assertOp("s3", "GetBucketLifecycleConfiguration", ["s3:GetLifecycleConfiguration"])
        self.assertOp("s3", "PutBucketLifecycleConfiguration", ["s3:PutLifecycleConfiguration"])
        self.assertOp("s3", "DeleteBucketCors", ["s3:PutBucketCORS"])
        self.assertOp("s3", "GetBucketCors", ["s3:GetBucketCORS"], basis="name")
        self.assertOp("s3", "GetBucketTagging", ["s3:GetBucketTagging"], basis="name")

    def test_lambda(self):
        for name in ("Invoke", "InvokeAsync", "InvokeWithResponseStream"):
            self.assertOp("lambda", name, ["lambda:InvokeFunction"])

    def test_permissionless(self):
        self.assertOp("sts", "GetCallerIdentity", [], basis="none")
        self.assertOp("sts", "AssumeRoleWithWebIdentity", [], basis="none")  # unsigned
        self.assertOp("cognito-identity", "GetId", [], basis="none")          # unsigned

    def test_dynamodb(self):
        tw = op("dynamodb", "TransactWriteItems")
        self.assertOp("dynamodb", "TransactWriteItems",
                      ["dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:ConditionCheckItem"])
        self.assertIn("narrow", tw["note"])
        self.assertOp("dynamodb", "TransactGetItems", ["dynamodb:GetItem"])
        partiql = ["dynamodb:PartiQLSelect", "dynamodb:PartiQLInsert", "dynamodb:PartiQLUpdate", "dynamodb:PartiQLDelete"]
        for name in ("ExecuteStatement", "BatchExecuteStatement", "ExecuteTransaction"):
            self.assertOp("dynamodb", name, partiql)
            self.assertIn("narrow", op("dynamodb", name)["note"])

    def test_batches(self):
        self.assertOp("sqs", "SendMessageBatch", ["sqs:SendMessage"])
        self.assertOp("sqs", "DeleteMessageBatch", ["sqs:DeleteMessage"])
        self.assertOp("sqs", "ChangeMessageVisibilityBatch", ["sqs:ChangeMessageVisibility"])
        self.assertOp("sns", "PublishBatch", ["sns:Publish"])

    def test_other_prefixes(self):
        for name in ("DescribeStream", "GetRecords", "GetShardIterator", "ListStreams"):
            self.assertEqual(op("dynamodbstreams", name)["actions"], [f"dynamodb:{name}"])
        self.assertEqual(op("sesv2", "SendEmail")["actions"], ["ses:SendEmail"])
        self.assertEqual(op("sesv2", "SendBulkEmail")["actions"], ["ses:SendBulkEmail"])
        self.assertEqual(op("sesv2", "CreateEmailIdentity")["actions"], ["ses:CreateEmailIdentity"])
        self.assertOp("bedrock-runtime", "Converse", ["bedrock:InvokeModel"])
        self.assertOp("bedrock-runtime", "ConverseStream", ["bedrock:InvokeModelWithResponseStream"])
        self.assertEqual(op("bedrock-runtime", "InvokeModel")["actions"], ["bedrock:InvokeModel"])
        self.assertEqual(op("appconfigdata", "StartConfigurationSession")["actions"], ["appconfig:StartConfigurationSession"])
        self.assertEqual(op("appconfigdata", "GetLatestConfiguration")["actions"], ["appconfig:GetLatestConfiguration"])
        self.assertOp("kms", "ReEncrypt", ["kms:ReEncryptFrom", "kms:ReEncryptTo"])
        self.assertEqual(op("cloudwatch", "PutMetricData")["actions"], ["cloudwatch:PutMetricData"])

    def test_apigateway_http_verb_rule(self):
        verbs = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"}
        for svc in ("apigateway", "apigatewayv2"):
            for name, o in sdk(svc)["operations"].items():
                self.assertEqual(o["basis"], "exception", f"{svc}.{name}")
                self.assertEqual(len(o["actions"]), 1)
                self.assertIn(o["actions"][0].split(":")[1], verbs, f"{svc}.{name}")
        self.assertEqual(op("apigateway", "GetRestApi")["actions"], ["apigateway:GET"])
        self.assertEqual(op("apigateway", "CreateRestApi")["actions"], ["apigateway:POST"])
        self.assertEqual(op("apigateway", "DeleteRestApi")["actions"], ["apigateway:DELETE"])
        self.assertEqual(op("apigateway", "UpdateRestApi")["actions"], ["apigateway:PATCH"])
        r = resource("apigateway", "GetRestApi", "apigateway:GET", "RestApi")
        self.assertEqual(r["vars"], {"RestApiId": "restApiId"})
        r = resource("apigatewayv2", "GetApi", "apigateway:GET", "Api")
        self.assertEqual(r["vars"], {"ApiId": "ApiId"})


class NameEqual(unittest.TestCase):
    SAMPLE = [
        ("sqs", "SendMessage", "sqs:SendMessage"),
        ("dynamodb", "PutItem", "dynamodb:PutItem"),
        ("secretsmanager", "GetSecretValue", "secretsmanager:GetSecretValue"),
        ("sns", "Publish", "sns:Publish"),
        ("kinesis", "PutRecord", "kinesis:PutRecord"),
        ("stepfunctions", "StartExecution", "states:StartExecution"),
        ("ssm", "GetParameter", "ssm:GetParameter"),
        ("kms", "Decrypt", "kms:Decrypt"),
        ("events", "PutEvents", "events:PutEvents"),
        ("firehose", "PutRecordBatch", "firehose:PutRecordBatch"),
        ("logs", "PutLogEvents", "logs:PutLogEvents"),
        ("ec2", "StopInstances", "ec2:StopInstances"),
        ("textract", "AnalyzeDocument", "textract:AnalyzeDocument"),
        ("rekognition", "DetectLabels", "rekognition:DetectLabels"),
        ("comprehend", "DetectSentiment", "comprehend:DetectSentiment"),
        ("cognito-idp", "AdminGetUser", "cognito-idp:AdminGetUser"),
    ]

    def test_sample(self):
        self.assertGreaterEqual(len({s for s, _, _ in self.SAMPLE}), 15)
        for svc, name, action in self.SAMPLE:
            o = op(svc, name)
            self.assertEqual(o["actions"], [action], f"{svc}.{name}")
            self.assertEqual(o["basis"], "name", f"{svc}.{name}")


class Resources(unittest.TestCase):
    def test_s3_object(self):
        r = resource("s3", "GetObject", "s3:GetObject", "object")
        self.assertEqual(r["arn"], "arn:${Partition}:s3:::${BucketName}/${ObjectName}")
        self.assertEqual(r["vars"], {"BucketName": "Bucket", "ObjectName": "Key"})
        r = resource("s3", "ListObjectsV2", "s3:ListBucket", "bucket")
        self.assertEqual(r["vars"], {"BucketName": "Bucket"})

    def test_dynamodb_table_and_index(self):
        r = resource("dynamodb", "Query", "dynamodb:Query", "table")
        self.assertEqual(r["vars"], {"TableName": "TableName"})
        if "index" in iam("dynamodb")["resources"] and any(
                t["type"] == "index" for t in iam("dynamodb")["actions"]["Query"]["resources"]):
            r = resource("dynamodb", "Query", "dynamodb:Query", "index")
            self.assertEqual(r["vars"], {"TableName": "TableName", "IndexName": "IndexName"})

    def test_sqs_queue_url(self):
        r = resource("sqs", "SendMessage", "sqs:SendMessage", "queue")
        self.assertEqual(r["vars"], {"QueueName": "QueueUrl"})
        self.assertEqual(r["transform"], {"QueueName": "queue_url"})

    def test_sns_topic_arn(self):
        r = resource("sns", "Publish", "sns:Publish", "topic")
        self.assertEqual(r["arn_member"], "TopicArn")

    def test_secret(self):
        r = resource("secretsmanager", "GetSecretValue", "secretsmanager:GetSecretValue", "Secret")
        self.assertEqual(r["vars"], {"SecretId": "SecretId"})
        self.assertEqual(r["transform"], {"SecretId": "secret_id"})

    def test_ssm_parameter(self):
        r = resource("ssm", "GetParameter", "ssm:GetParameter", "parameter")
        self.assertEqual(r["vars"], {"ParameterNameWithoutLeadingSlash": "Name"})
        self.assertEqual(r["transform"], {"ParameterNameWithoutLeadingSlash": "strip_leading_slash"})

    def test_lambda_function(self):
        r = resource("lambda", "Invoke", "lambda:InvokeFunction", "function")
        self.assertEqual(r["vars"], {"FunctionName": "FunctionName"})
        self.assertEqual(r["transform"], {"FunctionName": "function_name"})

    def test_more(self):
        r = resource("stepfunctions", "StartExecution", "states:StartExecution", "statemachine")
        self.assertEqual(r["arn_member"], "stateMachineArn")
        r = resource("kinesis", "PutRecord", "kinesis:PutRecord", "stream")
        self.assertEqual(r["vars"], {"StreamName": "StreamName"})
        self.assertEqual(r["arn_member"], "StreamARN")
        r = resource("events", "PutEvents", "events:PutEvents", "event-bus")
        self.assertEqual(r["defaults"], {"EventBusName": "default"})
        r = resource("logs", "PutLogEvents", "logs:PutLogEvents", "log-stream")
        self.assertEqual(r["vars"], {"LogGroupName": "logGroupName", "LogStreamName": "logStreamName"})
        r = resource("kms", "Decrypt", "kms:Decrypt", "key")
        self.assertEqual(r["vars"], {"KeyId": "KeyId"})
        r = resource("ec2", "StopInstances", "ec2:StopInstances", "instance")
        self.assertEqual(r["transform"], {"InstanceId": "each"})


class Boto3Resources(unittest.TestCase):
    def test_structure(self):
        doc = load_sorted(DATA / "boto3_resources.json")
        self.assertEqual(set(doc["services"]), {"cloudformation", "cloudwatch", "dynamodb", "ec2", "glacier",
                                                "iam", "s3", "sns", "sqs"})
        text = (DATA / "boto3_resources.json").read_text()
        self.assertNotIn('"shape"', text)
        self.assertNotIn('"documentation"', text)
        obj = doc["services"]["s3"]["resources"]["Object"]
        self.assertEqual(obj["actions"]["Get"]["request"]["operation"], "GetObject")
        self.assertEqual(doc["services"]["dynamodb"]["resources"]["Table"]["actions"]["PutItem"]["request"]["operation"], "PutItem")
        for svc, d in doc["services"].items():
            ops = sdk(svc)["operations"]
            for rname, r in d["resources"].items():
                for kind in ("actions", "batchActions"):
                    for aname, a in r.get(kind, {}).items():
                        self.assertIn(a["request"]["operation"], ops, f"{svc}.{rname}.{aname}")


def _cached_wheel(name: str) -> Path | None:
    pins = tomllib.loads((HERE / "versions.toml").read_text())
    p = HERE / ".cache" / pins["pypi"][name]["file"]
    return p if p.exists() else None


@unittest.skipUnless(_cached_wheel("botocore"), "botocore wheel not in service-catalog/.cache (run generate.py)")
class AgainstBotocore(unittest.TestCase):
    def test_every_service_and_operation(self):
        with zipfile.ZipFile(_cached_wheel("botocore")) as z:
            models: dict[str, list[str]] = {}
            for n in z.namelist():
                m = re.fullmatch(r"botocore/data/([^/]+)/([^/]+)/service-2\.json\.gz", n)
                if m:
                    models.setdefault(m.group(1), []).append(n)
            self.assertGreater(len(models), 400)
            for svc, files in models.items():
                latest = sorted(files)[-1]
                ops = json.loads(gzip.decompress(z.read(latest)))["operations"]
                self.assertEqual(set(ops), set(sdk(svc)["operations"]), svc)


if __name__ == "__main__":
    unittest.main()
