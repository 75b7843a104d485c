#!/usr/bin/env python3
"""Write the example CloudTrail trail for examples/shop.

Three days (2026-11-09 .. 2026-11-11, us-east-1, account 123456789012) of what
the deployed `shop-prod` stack did, as a trail delivers it:

    AWSLogs/123456789012/CloudTrail/us-east-1/YYYY/MM/DD/<acct>_CloudTrail_<region>_<YYYYMMDDTHHMMZ>_<id>.json.gz
    AWSLogs/123456789012/CloudTrail-Digest/us-east-1/YYYY/MM/DD/<...>_CloudTrail-Digest_<...>.json.gz

One gzip file per five-minute window and event category (management / data),
records shuffled inside a file, the folder and file timestamp being the
delivery time. See README.md next to this script for what is in it.

Deterministic: a fixed seed and gzip with mtime 0, so running it again gives
byte-identical files. Standard library only.

    python3 examples/shop/cloudtrail/make_trail.py [--out DIR]
"""
from __future__ import annotations

import argparse
import base64
import gzip
import hashlib
import json
import random
import shutil
import string
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

SEED = 20261109
ACCOUNT = "123456789012"
REGION = "us-east-1"
TRAIL_NAME = "acme-audit"
TRAIL_BUCKET = "acme-cloudtrail-logs-123456789012"
START = datetime(2026, 11, 9, tzinfo=timezone.utc)
DAYS = 3

STACK = "shop-prod"
ORDERS_TABLE = f"{STACK}-orders"
PRODUCTS_TABLE = f"{STACK}-products"
FULFILLMENT_QUEUE = f"{STACK}-fulfillment"
ORDER_EVENTS_TOPIC = f"{STACK}-order-events"
RECEIPT_TOPIC = f"{STACK}-receipts"
INVOICE_BUCKET = f"{STACK}-invoices"
REPORT_BUCKET = f"{STACK}-reports"
FEED_BUCKET = "acme-supplier-feeds"
FEED_PREFIX = "catalog/prod/"
SECRET_NAME = "prod/shop/mailer"

BOTO3_UA = (
    "Boto3/1.34.145 md/Botocore#1.34.145 ua/2.0 os/linux#5.10.227-239.884.amzn2.aarch64 "
    "md/arch#arm64 lang/python#3.12.7 md/pyimpl#CPython exec-env/AWS_Lambda_python3.12 "
    "cfg/retry-mode#legacy Botocore/1.34.145"
)
JS3_UA = (
    "aws-sdk-js/3.654.0 ua/2.1 os/linux#5.10.227-239.884.amzn2.aarch64 lang/js "
    "md/nodejs#20.17.0 api/{api}#3.654.0 m/E,N exec-env/AWS_Lambda_nodejs20.x"
)
JS2_UA = "aws-sdk-nodejs/2.1692.0 linux/v18.20.4 exec-env/AWS_Lambda_nodejs18.x promise"
BROWSER_UAS = [
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
]
CLI_UA = (
    "aws-cli/2.18.10 md/awscrt#0.22.0 ua/2.0 os/macos#23.6.0 md/arch#arm64 lang/python#3.12.6 "
    "md/pyimpl#CPython cfg/retry-mode#standard md/installer#exe md/prompt#off md/command#{command}"
)
SAM_CLI_UA = (
    "Boto3/1.35.29 md/Botocore#1.35.29 ua/2.0 os/linux#6.5.0-1025-azure md/arch#x86_64 "
    "lang/python#3.11.10 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.35.29 aws-sam-cli/1.127.0"
)


@dataclass(frozen=True)
class Function:
    logical_id: str
    name: str
    role: str
    role_id: str

    @property
    def arn(self) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.name}"

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{ACCOUNT}:role/{self.role}"


SHARED_ROLE = ("shop-prod-ShopFunctionsRole-9XK2LQ7R4T1B", "AROA5TQW2MZC7HR3KXD6N")
FUNCTIONS = {
    f.logical_id: f
    for f in [
        Function("OrdersApi", "shop-prod-OrdersApi-Xq7LmN2pR4tA",
                 "shop-prod-OrdersApiRole-1QF7Z3K8X2M4P", "AROA3JKQ7ZVB2XN5WPL4M"),
        Function("FulfillmentWorker", "shop-prod-FulfillmentWorker-b3KdP9sWq1Zr", *SHARED_ROLE),
        Function("ReceiptMailer", "shop-prod-ReceiptMailer-T6vHn2QjL8cY",
                 "shop-prod-ReceiptMailerRole-V2D8N5J1C6HW", "AROA2PLN6YRX4QK7VBT3C"),
        Function("CatalogSync", "shop-prod-CatalogSync-mR5wE1aZk9Ud",
                 "shop-prod-CatalogSyncRole-K4M9P2X7Q3ZE", "AROA7MWD3KXQ5ZJ2HNR6P"),
        Function("NightlyReport", "shop-prod-NightlyReport-G8pXs3NfV0hB", *SHARED_ROLE),
    ]
}
assert all(len(f.role_id) == 21 for f in FUNCTIONS.values())

USERS = {
    "alice": ("AIDA4QXN7KZP2WJ6VRM3T", "AKIA4QXN7KZPHC2M5W8R"),
    "bob": ("AIDA6VTM3RQK8ZL2XNP5W", None),
    "ci-deployer": ("AIDA2WNR5TJX7KQ3MZL8P", "AKIA2WNR5TJXQ6D4N7BV"),
}


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


class Ids:
    """Every random value comes from here, in call order: deterministic."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def chars(self, alphabet: str, n: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def hex(self, n: int) -> str:
        return self.chars("0123456789abcdef", n)

    def s3_request_id(self) -> str:
        return self.chars("0123456789ABCDEF", 16)

    def ddb_request_id(self) -> str:
        return self.chars(string.ascii_uppercase + string.digits, 52)

    def amz_id2(self) -> str:
        return base64.b64encode(self.rng.randbytes(56)).decode()

    def access_key(self) -> str:
        return "ASIA" + self.chars(string.ascii_uppercase + "234567", 16)

    def lambda_ip(self) -> str:
        a, b = self.rng.choice([(3, (80, 95)), (44, (192, 223)), (54, (144, 175)),
                                (18, (204, 215)), (52, (0, 95)), (100, (24, 28))])
        return f"{a}.{self.rng.randint(*b)}.{self.rng.randint(0, 255)}.{self.rng.randint(1, 254)}"

    def doc_ip(self) -> str:
        net = self.rng.choice(["192.0.2", "198.51.100", "203.0.113"])
        return f"{net}.{self.rng.randint(2, 254)}"


@dataclass
class Session:
    fn: Function
    key: str
    ip: str
    created: datetime

    def identity(self) -> dict:
        fn = self.fn
        return {
            "type": "AssumedRole",
            "principalId": f"{fn.role_id}:{fn.name}",
            "arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/{fn.role}/{fn.name}",
            "accountId": ACCOUNT,
            "accessKeyId": self.key,
            "sessionContext": {
                "sessionIssuer": {
                    "type": "Role",
                    "principalId": fn.role_id,
                    "arn": fn.role_arn,
                    "accountId": ACCOUNT,
                    "userName": fn.role,
                },
                "attributes": {"creationDate": iso(self.created), "mfaAuthenticated": "false"},
            },
        }


class Trail:
    def __init__(self, ids: Ids) -> None:
        self.ids = ids
        self.records: list[dict] = []

    # ------------------------------------------------------------ record core
    def add(self, when, source, name, identity, ip, ua, params, response=None, *,
            read_only, data=False, resources=None, error=None, extra=None,
            host=None, request_id=None):
        rec = {
            "eventVersion": "1.10" if data else "1.11",
            "userIdentity": identity,
            "eventTime": iso(when),
            "eventSource": source,
            "eventName": name,
            "awsRegion": REGION,
            "sourceIPAddress": ip,
            "userAgent": ua,
        }
        if error:
            rec["errorCode"], rec["errorMessage"] = error
        rec["requestParameters"] = params
        rec["responseElements"] = None if error else response
        if extra is not None:
            rec["additionalEventData"] = extra
        rec["requestID"] = request_id or self.ids.uuid()
        rec["eventID"] = self.ids.uuid()
        rec["readOnly"] = read_only
        if resources:
            rec["resources"] = resources
        rec["eventType"] = "AwsApiCall"
        if source == "dynamodb.amazonaws.com":
            rec["apiVersion"] = "2012-08-10"
        rec["managementEvent"] = not data
        rec["recipientAccountId"] = ACCOUNT
        rec["eventCategory"] = "Data" if data else "Management"
        if host:
            rec["tlsDetails"] = {
                "tlsVersion": "TLSv1.3",
                "cipherSuite": "TLS_AES_128_GCM_SHA256",
                "clientProvidedHostHeader": host,
            }
        self.records.append(rec)
        return rec

    # ------------------------------------------------------- lambda platform
    def cold_start(self, fn: Function, when: datetime) -> Session:
        sess = Session(fn, self.ids.access_key(), self.ids.lambda_ip(), when)
        expires = when + timedelta(hours=12)
        self.add(
            when, "sts.amazonaws.com", "AssumeRole",
            {"type": "AWSService", "invokedBy": "lambda.amazonaws.com"},
            "lambda.amazonaws.com", "lambda.amazonaws.com",
            {"roleArn": fn.role_arn, "roleSessionName": fn.name},
            {"credentials": {
                "accessKeyId": sess.key,
                "sessionToken": "IQoJb3JpZ2luX2VjE" + self.ids.chars(string.ascii_letters + string.digits, 40),
                "expiration": f"{expires:%b} {expires.day}, {expires.year}, "
                              f"{(expires.hour % 12) or 12}:{expires:%M:%S %p}",
            }},
            read_only=True,
            resources=[{"accountId": ACCOUNT, "type": "AWS::IAM::Role", "ARN": fn.role_arn}],
        )
        self.add(
            when + timedelta(seconds=1), "logs.amazonaws.com", "CreateLogStream",
            sess.identity(), sess.ip, "awslambda-worker",
            {"logGroupName": f"/aws/lambda/{fn.name}",
             "logStreamName": f"{when:%Y/%m/%d}/[$LATEST]{self.ids.hex(32)}"},
            read_only=False,
        )
        return sess

    def invoke(self, fn: Function, when: datetime, service: str) -> None:
        self.add(
            when, "lambda.amazonaws.com", "Invoke",
            {"type": "AWSService", "invokedBy": service}, service, service,
            {"functionName": fn.arn}, None,
            read_only=False, data=True,
            extra={"functionVersion": f"{fn.arn}:$LATEST"},
            resources=[{"accountId": ACCOUNT, "type": "AWS::Lambda::Function", "ARN": fn.arn}],
        )

    # -------------------------------------------------------------- services
    def s3(self, identity, ip, ua, when, name, bucket, key=None, *, read_only,
           params=None, response=None, bytes_in=0, bytes_out=0,
           auth="AuthHeader", error=None):
        host = f"{bucket}.s3.{REGION}.amazonaws.com"
        req = {"bucketName": bucket, "Host": host}
        if key is not None:
            req["key"] = key
        req.update(params or {})
        bucket_res = {"accountId": ACCOUNT, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{bucket}"}
        if key is not None:
            resources = [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{bucket}/{key}"}, bucket_res]
        else:
            resources = [{"type": "AWS::S3::Object", "ARNPrefix": f"arn:aws:s3:::{bucket}/{req.get('prefix', '')}"},
                         bucket_res]
        extra = {
            "SignatureVersion": "SigV4",
            "CipherSuite": "TLS_AES_128_GCM_SHA256",
            "bytesTransferredIn": bytes_in,
            "AuthenticationMethod": auth,
            "x-amz-id-2": self.ids.amz_id2(),
            "bytesTransferredOut": bytes_out,
        }
        return self.add(when, "s3.amazonaws.com", name, identity, ip, f"[{ua}]", req, response,
                        read_only=read_only, data=True, resources=resources, extra=extra,
                        error=error, host=host, request_id=self.ids.s3_request_id())

    def ddb(self, sess: Session, ua, when, name, table, params, *, read_only, error=None):
        arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{table}"
        return self.add(when, "dynamodb.amazonaws.com", name, sess.identity(), sess.ip, ua,
                        {"tableName": table, **params}, None, read_only=read_only, data=True,
                        resources=[{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table", "ARN": arn}],
                        error=error, host=f"dynamodb.{REGION}.amazonaws.com",
                        request_id=self.ids.ddb_request_id())

    def sqs_send(self, sess: Session, ua, when, queue):
        url = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{queue}"
        self.add(when, "sqs.amazonaws.com", "SendMessage", sess.identity(), sess.ip, ua,
                 {"queueUrl": url, "messageBody": "HIDDEN_DUE_TO_SECURITY_REASONS",
                  "messageAttributes": "HIDDEN_DUE_TO_SECURITY_REASONS"},
                 {"mD5OfMessageBody": self.ids.hex(32), "mD5OfMessageAttributes": self.ids.hex(32),
                  "messageId": self.ids.uuid()},
                 read_only=False, data=True,
                 resources=[{"accountId": ACCOUNT, "type": "AWS::SQS::Queue",
                             "ARN": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue}"}],
                 host=f"sqs.{REGION}.amazonaws.com")

    def sns_publish(self, sess: Session, ua, when, topic, subject=False):
        arn = f"arn:aws:sns:{REGION}:{ACCOUNT}:{topic}"
        params = {"topicArn": arn, "message": "HIDDEN_DUE_TO_SECURITY_REASONS"}
        if subject:
            params["subject"] = "HIDDEN_DUE_TO_SECURITY_REASONS"
        params["messageAttributes"] = "HIDDEN_DUE_TO_SECURITY_REASONS"
        self.add(when, "sns.amazonaws.com", "Publish", sess.identity(), sess.ip, ua, params,
                 {"messageId": self.ids.uuid()}, read_only=False, data=True,
                 resources=[{"accountId": ACCOUNT, "type": "AWS::SNS::Topic", "ARN": arn}],
                 host=f"sns.{REGION}.amazonaws.com")

    def get_secret(self, sess: Session, ua, when, secret_id):
        self.add(when, "secretsmanager.amazonaws.com", "GetSecretValue", sess.identity(), sess.ip, ua,
                 {"secretId": secret_id}, None, read_only=True,
                 host=f"secretsmanager.{REGION}.amazonaws.com")


# ---------------------------------------------------------------- scenarios

def order_burst(trail: Trail, start: datetime, n_orders: int, *, duplicate: bool = False,
                second_api_env: bool = False) -> None:
    ids, rng = trail.ids, trail.ids.rng
    api, worker, mailer = FUNCTIONS["OrdersApi"], FUNCTIONS["FulfillmentWorker"], FUNCTIONS["ReceiptMailer"]
    py_res_ua = BOTO3_UA + " Resource"
    api_envs: list[Session] = []
    worker_sess = mailer_sess = None
    t = start
    for i in range(n_orders):
        t += timedelta(seconds=rng.randint(20, 70))
        # POST /orders
        trail.invoke(api, t, "apigateway.amazonaws.com")
        if not api_envs or (second_api_env and i == 1):
            api_envs.append(trail.cold_start(api, t))
            t += timedelta(seconds=1)
        sess = api_envs[-1]
        order_id = ids.uuid()
        customer = f"cus_{ids.chars(string.ascii_lowercase + string.digits, 10)}"
        trail.ddb(sess, py_res_ua, t + timedelta(seconds=1), "PutItem", ORDERS_TABLE,
                  {"key": {"order_id": order_id},
                   "item": ["order_id", "customer_id", "customer_email", "lines", "total",
                            "currency", "status", "created_at", "order_date"],
                   "conditionExpression": "attribute_not_exists(order_id)"},
                  read_only=False)
        trail.sqs_send(sess, BOTO3_UA, t + timedelta(seconds=1), FULFILLMENT_QUEUE)
        # the storefront polls GET /orders/{id} until the order is invoiced
        for poll in range(rng.randint(1, 2)):
            tp = t + timedelta(seconds=3 + 4 * poll)
            trail.invoke(api, tp, "apigateway.amazonaws.com")
            trail.ddb(sess, py_res_ua, tp, "GetItem", ORDERS_TABLE,
                      {"key": {"order_id": order_id}, "consistentRead": True}, read_only=True)
        if rng.random() < 0.4:  # customer opens "my orders"
            tq = t + timedelta(seconds=rng.randint(15, 40))
            trail.invoke(api, tq, "apigateway.amazonaws.com")
            trail.ddb(sess, py_res_ua, tq, "Query", ORDERS_TABLE,
                      {"indexName": "by-customer", "keyConditionExpression": "#n0 = :v0",
                       "expressionAttributeNames": {"#n0": "customer_id"},
                       "scanIndexForward": False, "limit": 20},
                      read_only=True)

        # FulfillmentWorker picks the message up (SQS event source mapping)
        tw = t + timedelta(seconds=2)
        if worker_sess is None:
            worker_sess = trail.cold_start(worker, tw)
            tw += timedelta(seconds=1)
        deliveries = 2 if duplicate and i == 0 else 1
        key = f"invoices/{order_id}.json"
        for d in range(deliveries):
            trail.ddb(worker_sess, py_res_ua, tw, "GetItem", ORDERS_TABLE,
                      {"key": {"order_id": order_id}}, read_only=True)
            trail.s3(worker_sess.identity(), worker_sess.ip, BOTO3_UA, tw, "PutObject",
                     INVOICE_BUCKET, key, read_only=False,
                     params={"x-amz-server-side-encryption": "AES256"},
                     response={"x-amz-server-side-encryption": "AES256"},
                     bytes_in=rng.randint(900, 2400))
            lost = d == 1
            trail.ddb(worker_sess, py_res_ua, tw + timedelta(seconds=1), "UpdateItem", ORDERS_TABLE,
                      {"key": {"order_id": order_id},
                       "updateExpression": "SET #s = :invoiced, invoice_key = :key, invoiced_at = :now",
                       "conditionExpression": "#s = :placed",
                       "expressionAttributeNames": {"#s": "status"}},
                      read_only=False,
                      error=("ConditionalCheckFailedException", "The conditional request failed") if lost else None)
            if not lost:
                trail.sns_publish(worker_sess, BOTO3_UA, tw + timedelta(seconds=1), ORDER_EVENTS_TOPIC)

        # ReceiptMailer gets the SNS notification
        tm = tw + timedelta(seconds=2)
        trail.invoke(mailer, tm, "sns.amazonaws.com")
        if mailer_sess is None:
            mailer_sess = trail.cold_start(mailer, tm)
            tm += timedelta(seconds=1)
            trail.get_secret(mailer_sess, JS3_UA.format(api="secretsmanager"), tm, SECRET_NAME)
        trail.s3(mailer_sess.identity(), mailer_sess.ip, JS3_UA.format(api="s3"), tm, "GetObject",
                 INVOICE_BUCKET, key, read_only=True, bytes_out=rng.randint(900, 2400))
        trail.sns_publish(mailer_sess, JS3_UA.format(api="sns"), tm + timedelta(seconds=1),
                          RECEIPT_TOPIC, subject=True)

        # most customers click the download link in the mail (signed by ReceiptMailer)
        if rng.random() < 0.6:
            tc = tm + timedelta(seconds=rng.randint(40, 400))
            number = f"INV-{t:%Y%m%d}-{order_id[:8].upper()}"
            trail.s3(mailer_sess.identity(), ids.doc_ip(), rng.choice(BROWSER_UAS), tc, "GetObject",
                     INVOICE_BUCKET, key, read_only=True, auth="QueryString",
                     bytes_out=rng.randint(900, 2400),
                     params={"response-content-disposition": f'attachment; filename="{number}.json"',
                             "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                             "X-Amz-Credential": f"{mailer_sess.key}/{tm:%Y%m%d}/{REGION}/s3/aws4_request",
                             "X-Amz-Date": f"{tm:%Y%m%dT%H%M%SZ}",
                             "X-Amz-Expires": "3600",
                             "X-Amz-SignedHeaders": "host",
                             "x-id": "GetObject"})


def catalog_run(trail: Trail, start: datetime, *, full: bool) -> None:
    rng = trail.ids.rng
    fn = FUNCTIONS["CatalogSync"]
    trail.invoke(fn, start, "events.amazonaws.com")
    sess = trail.cold_start(fn, start)
    t = start + timedelta(seconds=2)
    ident = sess.identity()
    batch = f"b-{start:%Y%m%d}-{'full' if full else 'delta'}-{start:%H%M}"
    trail.s3(ident, sess.ip, JS2_UA, t, "GetObject", FEED_BUCKET, f"{FEED_PREFIX}manifest.json",
             read_only=True, bytes_out=rng.randint(180, 260))
    prefix = f"{FEED_PREFIX}{batch}/"
    trail.s3(ident, sess.ip, JS2_UA, t + timedelta(seconds=1), "ListObjects", FEED_BUCKET,
             read_only=True, params={"list-type": "2", "prefix": prefix})
    pages = rng.randint(4, 5) if full else rng.randint(1, 2)
    t += timedelta(seconds=2)
    sku_n = 0
    for p in range(1, pages + 1):
        trail.s3(ident, sess.ip, JS2_UA, t, "GetObject", FEED_BUCKET, f"{prefix}page-{p:04d}.json",
                 read_only=True, bytes_out=rng.randint(8000, 22000))
        items = rng.randint(26, 40)
        for chunk_start in range(0, items, 25):
            chunk = min(25, items - chunk_start)
            request_items = []
            for _ in range(chunk):
                sku_n += 1
                request_items.append({
                    "operation": "Put", "tableName": PRODUCTS_TABLE,
                    "key": {"sku": f"SKU-{(sku_number(start, sku_n)):05d}"},
                    "items": ["sku", "name", "price", "currency", "stock", "category",
                              "feed_batch", "synced_at"],
                })
            t += timedelta(seconds=1)
            trail.ddb(sess, JS2_UA, t, "BatchWriteItem", PRODUCTS_TABLE,
                      {"requestItems": request_items}, read_only=False)
        t += timedelta(seconds=1)
    if full:
        # the stale-product sweep: the role has no dynamodb:Scan
        fn_arn = f"arn:aws:sts::{ACCOUNT}:assumed-role/{fn.role}/{fn.name}"
        table_arn = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{PRODUCTS_TABLE}"
        trail.ddb(sess, JS2_UA, t + timedelta(seconds=1), "Scan", PRODUCTS_TABLE,
                  {"projectionExpression": "sku", "filterExpression": "feed_batch <> :b"},
                  read_only=True,
                  error=("AccessDenied",
                         f"User: {fn_arn} is not authorized to perform: dynamodb:Scan on resource: "
                         f"{table_arn} because no identity-based policy allows the dynamodb:Scan action"))


def sku_number(start: datetime, n: int) -> int:
    # stable, spread-out SKU numbers; the same SKUs recur across runs
    return (n * 7919 + (start.day % 2) * 13) % 100000


def nightly_report(trail: Trail, start: datetime) -> None:
    rng, ids = trail.ids.rng, trail.ids
    fn = FUNCTIONS["NightlyReport"]
    trail.invoke(fn, start, "events.amazonaws.com")
    sess = trail.cold_start(fn, start)
    t = start + timedelta(seconds=2)
    trail.ddb(sess, BOTO3_UA, t, "Query", ORDERS_TABLE,
              {"indexName": "by-day", "keyConditionExpression": "order_date = :d", "limit": 500},
              read_only=True)
    day = (start - timedelta(days=1)).date()
    key = f"reports/daily/{day.isoformat()}.csv"
    trail.s3(sess.identity(), sess.ip, BOTO3_UA, t + timedelta(seconds=1), "PutObject",
             REPORT_BUCKET, key, read_only=False, bytes_in=rng.randint(1200, 4000),
             response={"x-amz-server-side-encryption": "AES256"})
    # someone in ops opens the link from the channel (signed by NightlyReport)
    tc = start + timedelta(minutes=rng.randint(95, 170), seconds=rng.randint(0, 59))
    trail.s3(sess.identity(), ids.doc_ip(), rng.choice(BROWSER_UAS[:2]), tc, "GetObject",
             REPORT_BUCKET, key, read_only=True, auth="QueryString", bytes_out=rng.randint(1200, 4000),
             params={"X-Amz-Algorithm": "AWS4-HMAC-SHA256",
                     "X-Amz-Credential": f"{sess.key}/{t:%Y%m%d}/{REGION}/s3/aws4_request",
                     "X-Amz-Date": f"{t:%Y%m%dT%H%M%SZ}",
                     "X-Amz-Expires": "21600",
                     "X-Amz-SignedHeaders": "host"})


def iam_user(name: str, console_at: datetime | None = None, key: str | None = None) -> dict:
    principal, access_key = USERS[name]
    ident = {"type": "IAMUser", "principalId": principal, "arn": f"arn:aws:iam::{ACCOUNT}:user/{name}",
             "accountId": ACCOUNT}
    if key or access_key:
        ident["accessKeyId"] = key or access_key
    ident["userName"] = name
    if console_at is not None:
        ident["sessionContext"] = {"sessionIssuer": {}, "webIdFederationData": {},
                                   "attributes": {"creationDate": iso(console_at),
                                                  "mfaAuthenticated": "true"}}
    return ident


def other_principals(trail: Trail) -> None:
    ids, rng = trail.ids, trail.ids.rng
    # alice (support) pulls an invoice with the CLI: `aws s3 cp` does HeadObject then GetObject
    t = START + timedelta(hours=15, minutes=12, seconds=8)
    key = f"invoices/{ids.uuid()}.json"
    for name, dt in (("HeadObject", 0), ("GetObject", 1)):
        trail.s3(iam_user("alice"), "198.51.100.23", CLI_UA.format(command="s3.cp"),
                 t + timedelta(seconds=dt), name, INVOICE_BUCKET, key, read_only=True,
                 bytes_out=0 if name == "HeadObject" else 1711)

    # bob signs in to the console and looks at the orders table
    t = START + timedelta(days=1, hours=9, minutes=31, seconds=40)
    bob_plain = iam_user("bob")
    trail.add(t, "signin.amazonaws.com", "ConsoleLogin", bob_plain, "203.0.113.54",
              BROWSER_UAS[1], None, {"ConsoleLogin": "Success"}, read_only=False,
              extra={"LoginTo": "https://console.aws.amazon.com/console/home?state=hashArgs%23&isauthcode=true",
                     "MobileVersion": "No", "MFAIdentifier": f"arn:aws:iam::{ACCOUNT}:mfa/bob",
                     "MFAUsed": "Yes"})
    trail.records[-1]["eventType"] = "AwsConsoleSignIn"
    bob = iam_user("bob", console_at=t, key=ids.access_key())
    trail.add(t + timedelta(minutes=1, seconds=12), "dynamodb.amazonaws.com", "DescribeTable", bob,
              "203.0.113.54", "AWS Internal", {"tableName": ORDERS_TABLE}, None, read_only=True,
              host=f"dynamodb.{REGION}.amazonaws.com", request_id=ids.ddb_request_id())
    scan = trail.add(t + timedelta(minutes=1, seconds=14), "dynamodb.amazonaws.com", "Scan", bob,
                     "203.0.113.54", "AWS Internal", {"tableName": ORDERS_TABLE, "limit": 50}, None,
                     read_only=True, data=True,
                     resources=[{"accountId": ACCOUNT, "type": "AWS::DynamoDB::Table",
                                 "ARN": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{ORDERS_TABLE}"}],
                     host=f"dynamodb.{REGION}.amazonaws.com", request_id=ids.ddb_request_id())
    assert scan["eventCategory"] == "Data"

    # ci-deployer ships a ReceiptMailer change with `sam deploy`
    t = START + timedelta(days=2, hours=16, minutes=4, seconds=10)
    ci = iam_user("ci-deployer")
    stack_arn = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK}/5b1c7e20-7d2e-11ef-9a4c-0e8f3c2d1b6a"
    cs_arn = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:changeSet/samcli-deploy1731341050/{ids.uuid()}"
    trail.add(t, "cloudformation.amazonaws.com", "CreateChangeSet", ci, "20.42.11.73", SAM_CLI_UA,
              {"stackName": STACK, "templateURL": f"https://s3.amazonaws.com/aws-sam-cli-managed-default-samclisourcebucket-1x9k2m3n4p5q/{STACK}/{ids.hex(32)}.template",
               "parameters": [{"parameterKey": "Stage", "parameterValue": "prod"}],
               "capabilities": ["CAPABILITY_IAM"], "changeSetName": "samcli-deploy1731341050",
               "changeSetType": "UPDATE"},
              {"id": cs_arn, "stackId": stack_arn}, read_only=False,
              host=f"cloudformation.{REGION}.amazonaws.com")
    trail.add(t + timedelta(seconds=21), "cloudformation.amazonaws.com", "ExecuteChangeSet", ci,
              "20.42.11.73", SAM_CLI_UA, {"changeSetName": cs_arn}, None, read_only=False,
              host=f"cloudformation.{REGION}.amazonaws.com")
    via_cfn = dict(ci, invokedBy="cloudformation.amazonaws.com")
    fn = FUNCTIONS["ReceiptMailer"]
    trail.add(t + timedelta(seconds=33), "lambda.amazonaws.com", "UpdateFunctionCode20150331v2", via_cfn,
              "cloudformation.amazonaws.com", "cloudformation.amazonaws.com",
              {"functionName": fn.name, "s3Bucket": "aws-sam-cli-managed-default-samclisourcebucket-1x9k2m3n4p5q",
               "s3Key": f"{STACK}/{ids.hex(32)}", "publish": False, "architectures": ["arm64"]},
              {"functionName": fn.name, "functionArn": fn.arn, "runtime": "nodejs20.x",
               "role": fn.role_arn, "handler": "index.handler", "version": "$LATEST",
               "state": "Active", "lastUpdateStatus": "InProgress"},
              read_only=False)


def build(ids: Ids) -> Trail:
    trail = Trail(ids)
    # order traffic: (day, hh, mm, orders, options)
    bursts = [
        (0, 11, 20, 4, {}), (0, 19, 41, 3, {}),
        (1, 10, 5, 3, {}), (1, 20, 16, 4, {"duplicate": True}),
        (2, 12, 31, 4, {"second_api_env": True}), (2, 18, 52, 2, {}),
    ]
    for day, hh, mm, n, opts in bursts:
        order_burst(trail, START + timedelta(days=day, hours=hh, minutes=mm,
                                             seconds=ids.rng.randint(0, 59)), n, **opts)
    for day in range(DAYS):
        for hh in (2, 14):
            catalog_run(trail, START + timedelta(days=day, hours=hh, minutes=30, seconds=ids.rng.randint(3, 9)),
                        full=(day == 1 and hh == 2))
        nightly_report(trail, START + timedelta(days=day, hours=6, seconds=ids.rng.randint(3, 9)))
    other_principals(trail)
    return trail


# ------------------------------------------------------------------ delivery

def deliver(trail: Trail, out: Path) -> list[tuple[Path, bytes, bytes, list[dict]]]:
    ids = trail.ids
    windows: dict[tuple[datetime, str], list[dict]] = defaultdict(list)
    for rec in trail.records:
        when = datetime.strptime(rec["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        slot = when.replace(minute=when.minute - when.minute % 5, second=0)
        windows[(slot, rec["eventCategory"])].append(rec)
    files = []
    for (slot, category) in sorted(windows):
        records = windows[(slot, category)]
        records.sort(key=lambda r: r["eventTime"])
        ids.rng.shuffle(records)
        delivered = slot + timedelta(minutes=5 * ids.rng.randint(1, 2))
        name = (f"{ACCOUNT}_CloudTrail_{REGION}_{delivered:%Y%m%dT%H%MZ}_"
                f"{ids.chars(string.ascii_letters + string.digits, 16)}.json.gz")
        path = out / "AWSLogs" / ACCOUNT / "CloudTrail" / REGION / f"{delivered:%Y/%m/%d}" / name
        raw = json.dumps({"Records": records}, separators=(",", ":")).encode()
        files.append((path, raw, gzip.compress(raw, compresslevel=9, mtime=0), records))
    return files


def digest(ids: Ids, files, hour_end: datetime) -> tuple[Path, bytes]:
    hour_start = hour_end - timedelta(hours=1)
    listed = []
    times = []
    for path, raw, _gz, records in files:
        stamp = datetime.strptime(path.name.split("_")[3], "%Y%m%dT%H%MZ").replace(tzinfo=timezone.utc)
        if hour_start <= stamp < hour_end:
            ev = sorted(r["eventTime"] for r in records)
            times += ev
            listed.append({
                "s3Bucket": TRAIL_BUCKET,
                "s3Object": "/".join(path.parts[-8:]),
                "hashValue": hashlib.sha256(raw).hexdigest(),
                "hashAlgorithm": "SHA-256",
                "newestEventTime": ev[-1],
                "oldestEventTime": ev[0],
            })
    prefix = f"AWSLogs/{ACCOUNT}/CloudTrail-Digest/{REGION}"
    name = f"{ACCOUNT}_CloudTrail-Digest_{REGION}_{TRAIL_NAME}_{REGION}_{hour_end:%Y%m%dT%H%M%SZ}.json.gz"
    prev_end = hour_start
    prev = f"{ACCOUNT}_CloudTrail-Digest_{REGION}_{TRAIL_NAME}_{REGION}_{prev_end:%Y%m%dT%H%M%SZ}.json.gz"
    body = {
        "awsAccountId": ACCOUNT,
        "digestStartTime": iso(hour_start),
        "digestEndTime": iso(hour_end),
        "digestS3Bucket": TRAIL_BUCKET,
        "digestS3Object": f"{prefix}/{hour_end:%Y/%m/%d}/{name}",
        "digestPublicKeyFingerprint": ids.hex(32),
        "digestSignatureAlgorithm": "SHA256withRSA",
        "newestEventTime": max(times),
        "oldestEventTime": min(times),
        "previousDigestS3Bucket": TRAIL_BUCKET,
        "previousDigestS3Object": f"{prefix}/{prev_end:%Y/%m/%d}/{prev}",
        "previousDigestHashValue": ids.hex(64),
        "previousDigestHashAlgorithm": "SHA-256",
        "previousDigestSignature": ids.hex(512),
        "logFiles": listed,
    }
    raw = json.dumps(body, separators=(",", ":")).encode()
    return Path(prefix) / f"{hour_end:%Y/%m/%d}" / name, gzip.compress(raw, compresslevel=9, mtime=0)


def summary(trail: Trail) -> str:
    by_session = {f.name: f.logical_id for f in FUNCTIONS.values()}
    per_fn: dict[str, Counter] = defaultdict(Counter)
    others: Counter = Counter()
    for rec in trail.records:
        ident = rec["userIdentity"]
        session = ident.get("arn", "").rsplit("/", 1)[-1] if ident.get("type") == "AssumedRole" else None
        label = rec["eventName"] + (f" ({rec['errorCode']})" if rec.get("errorCode") else "")
        if session in by_session:
            per_fn[by_session[session]][label] += 1
        else:
            who = ident.get("invokedBy") if ident.get("type") == "AWSService" else ident.get("userName")
            others[f"{ident.get('type')} {who}: {label}"] += 1
    lines = []
    for logical in FUNCTIONS:
        c = per_fn[logical]
        lines.append(f"{logical:18} {sum(c.values()):4}  " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())))
    lines.append(f"{'other principals':18} {sum(others.values()):4}  "
                 + ", ".join(f"{k} {v}" for k, v in sorted(others.items())))
    lines.append(f"{'total':18} {len(trail.records):4}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                    help="folder that receives AWSLogs/ (default: next to this script)")
    ap.add_argument("--quiet", action="store_true")
    args = ap.parse_args()

    ids = Ids(SEED)
    trail = build(ids)
    files = deliver(trail, args.out)
    digest_rel, digest_gz = digest(ids, files, START + timedelta(days=1, hours=3))

    root = args.out / "AWSLogs" / ACCOUNT
    if root.exists():
        shutil.rmtree(root)
    for path, _raw, gz, _records in files:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(gz)
    dpath = args.out / digest_rel
    dpath.parent.mkdir(parents=True, exist_ok=True)
    dpath.write_bytes(digest_gz)

    if not args.quiet:
        size = sum(len(gz) for *_x, gz, _r in files) + len(digest_gz)
        print(f"{len(files)} log files + 1 digest, {len(trail.records)} records, {size} bytes under {root}")
        print(summary(trail))


if __name__ == "__main__":
    main()
