"""Nightly sales report: yesterday's orders as CSV, linked in the ops channel."""
from __future__ import annotations

import json
import logging
import os
import tempfile
import urllib.request
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterator

import boto3
from boto3.dynamodb.types import TypeDeserializer

from csvout import summarise, write_csv

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

ddb = boto3.client("dynamodb")
s3 = boto3.client("s3")
_deserializer = TypeDeserializer()

ORDERS_TABLE = os.environ["ORDERS_TABLE"]
REPORT_BUCKET = os.environ["REPORT_BUCKET"]
REPORT_PREFIX = os.environ.get("REPORT_PREFIX", "reports/daily/")
WEBHOOK_URL = os.environ.get("REPORT_WEBHOOK_URL", "")
BY_DAY_INDEX = "by-day"
LINK_TTL = 6 * 3600


def orders_for(day: date) -> Iterator[dict[str, Any]]:
    paginator = ddb.get_paginator("query")
    pages = paginator.paginate(
        TableName=ORDERS_TABLE,
        IndexName=BY_DAY_INDEX,
        KeyConditionExpression="order_date = :d",
        ExpressionAttributeValues={":d": {"S": day.isoformat()}},
        PaginationConfig={"PageSize": 500},
    )
    for page in pages:
        for item in page["Items"]:
            yield {k: _deserializer.deserialize(v) for k, v in item.items()}


def post_to_channel(text: str) -> None:
    if not WEBHOOK_URL:
        logger.info("no webhook configured: %s", text)
        return
    req = urllib.request.Request(
        WEBHOOK_URL,
        data=json.dumps({"text": text}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        if resp.status >= 300:
            logger.warning("webhook answered %s", resp.status)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    # EventBridge gives the schedule time; report the UTC day before it.
    fired = datetime.now(timezone.utc)
    if event.get("time"):
        fired = datetime.fromisoformat(event["time"].replace("Z", "+00:00"))
    day = (fired - timedelta(days=1)).date()

    rows = list(orders_for(day))
    key = f"{REPORT_PREFIX}{day.isoformat()}.csv"
    with tempfile.NamedTemporaryFile("w", suffix=".csv", newline="", delete=False) as fh:
        write_csv(fh, rows)
        path = fh.name
    try:
        s3.upload_file(path, REPORT_BUCKET, key, ExtraArgs={"ContentType": "text/csv"})
    finally:
        os.unlink(path)

    url = s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": REPORT_BUCKET, "Key": key},
        ExpiresIn=LINK_TTL,
    )
    stats = summarise(rows)
    post_to_channel(
        f"Sales {day}: {stats['orders']} orders, {stats['revenue']} {stats['currency']} "
        f"({stats['cancelled']} cancelled). <{url}|CSV> (link valid 6h)"
    )
    logger.info("report %s written: %s", key, stats)
    return {"key": key, **stats}
