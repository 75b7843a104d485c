"""Persistence for orders. The table is injected so tests can pass a stub."""
from __future__ import annotations

import base64
import json
import logging
from typing import Any, Optional

from boto3.dynamodb.conditions import Key
from botocore.exceptions import ClientError

logger = logging.getLogger(__name__)

CUSTOMER_INDEX = "by-customer"


class OrderExists(Exception):
    """Raised when an order id is already taken (client retried a POST)."""


class OrderRepository:
    def __init__(self, table: Any) -> None:
        self._table = table

    def create(self, order: dict[str, Any]) -> None:
        try:
            self._table.put_item(
                Item=order,
                ConditionExpression="attribute_not_exists(order_id)",
            )
        except ClientError as err:
            if err.response["Error"]["Code"] == "ConditionalCheckFailedException":
                raise OrderExists(order["order_id"]) from err
            raise

    def get(self, order_id: str) -> Optional[dict[str, Any]]:
        resp = self._table.get_item(Key={"order_id": order_id}, ConsistentRead=True)
        return resp.get("Item")

    def list_for_customer(
        self, customer_id: str, limit: int = 20, cursor: Optional[str] = None
    ) -> tuple[list[dict[str, Any]], Optional[str]]:
        kwargs: dict[str, Any] = {
            "IndexName": CUSTOMER_INDEX,
            "KeyConditionExpression": Key("customer_id").eq(customer_id),
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if cursor:
            kwargs["ExclusiveStartKey"] = _decode_cursor(cursor)
        resp = self._table.query(**kwargs)
        return resp.get("Items", []), _encode_cursor(resp.get("LastEvaluatedKey"))


def _encode_cursor(key: Optional[dict[str, Any]]) -> Optional[str]:
    if not key:
        return None
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        return json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, json.JSONDecodeError) as err:
        logger.info("rejecting malformed cursor %r", cursor)
        raise ValueError("invalid cursor") from err
