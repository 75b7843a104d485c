"""SQS consumer: invoice each placed order, mark it invoiced, announce it."""
from __future__ import annotations

import json
import logging
import os
from datetime import datetime, timezone
from typing import Any

import boto3
from botocore.exceptions import ClientError

from invoice import build_invoice, store_invoice

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

s3 = boto3.client("s3")
sns = boto3.client("sns")
orders_table = boto3.resource("dynamodb").Table(os.environ["ORDERS_TABLE"])

INVOICE_BUCKET = os.environ["INVOICE_BUCKET"]
ORDER_EVENTS_TOPIC_ARN = os.environ["ORDER_EVENTS_TOPIC_ARN"]


def _mark_invoiced(order_id: str, invoice_key: str) -> bool:
    """Flip PLACED -> INVOICED. False if another delivery of the message won."""
    try:
        orders_table.update_item(
            Key={"order_id": order_id},
            UpdateExpression="SET #s = :invoiced, invoice_key = :key, invoiced_at = :now",
            ConditionExpression="#s = :placed",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={
                ":invoiced": "INVOICED",
                ":placed": "PLACED",
                ":key": invoice_key,
                ":now": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            },
        )
    except ClientError as err:
        if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
            return False
        raise
    return True


def process(order_id: str) -> None:
    order = orders_table.get_item(Key={"order_id": order_id}).get("Item")
    if order is None:
        logger.error("order %s not found; dropping message", order_id)
        return
    if order["status"] != "PLACED":
        logger.info("order %s already %s", order_id, order["status"])
        return

    invoice = build_invoice(order)
    key = store_invoice(s3, INVOICE_BUCKET, invoice)
    if not _mark_invoiced(order_id, key):
        logger.info("order %s invoiced concurrently; not re-announcing", order_id)
        return

    sns.publish(
        TopicArn=ORDER_EVENTS_TOPIC_ARN,
        Message=json.dumps(
            {
                "order_id": order_id,
                "invoice_key": key,
                "invoice_number": invoice["number"],
                "customer_email": order.get("customer_email"),
            }
        ),
        MessageAttributes={
            "event_type": {"DataType": "String", "StringValue": "invoice.created"}
        },
    )


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    failures = []
    for record in event["Records"]:
        try:
            process(json.loads(record["body"])["order_id"])
        except Exception:  # keep the rest of the batch going
            logger.exception("failed to fulfil message %s", record["messageId"])
            failures.append({"itemIdentifier": record["messageId"]})
    return {"batchItemFailures": failures}
