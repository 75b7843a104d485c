"""HTTP API (payload v2) for placing and reading orders."""
from __future__ import annotations

import json
import logging
import os
import uuid
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import boto3

from repo import OrderExists, OrderRepository

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

_dynamodb = boto3.resource("dynamodb")
_sqs = boto3.client("sqs")

orders = OrderRepository(_dynamodb.Table(os.environ["ORDERS_TABLE"]))
FULFILLMENT_QUEUE_URL = os.environ["FULFILLMENT_QUEUE_URL"]


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _response(status: int, body: Any) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(body, default=_json_default),
    }


def create_order(event: dict[str, Any]) -> dict[str, Any]:
    payload = json.loads(event.get("body") or "{}", parse_float=Decimal)
    customer_id = payload.get("customer_id")
    lines = payload.get("lines") or []
    if not customer_id or not lines:
        return _response(400, {"message": "customer_id and lines are required"})

    now = datetime.now(timezone.utc)
    order = {
        "order_id": payload.get("order_id") or str(uuid.uuid4()),
        "customer_id": customer_id,
        "customer_email": payload.get("email"),
        "lines": lines,
        "total": sum(Decimal(str(l["unit_price"])) * int(l["quantity"]) for l in lines),
        "currency": payload.get("currency", "EUR"),
        "status": "PLACED",
        "created_at": now.isoformat(timespec="seconds"),
        "order_date": now.strftime("%Y-%m-%d"),
    }
    try:
        orders.create(order)
    except OrderExists:
        return _response(409, {"message": "order already exists"})

    _sqs.send_message(
        QueueUrl=FULFILLMENT_QUEUE_URL,
        MessageBody=json.dumps({"order_id": order["order_id"]}),
        MessageAttributes={
            "event_type": {"DataType": "String", "StringValue": "order.placed"}
        },
    )
    logger.info("order %s placed by %s", order["order_id"], customer_id)
    return _response(201, order)


def get_order(event: dict[str, Any]) -> dict[str, Any]:
    order = orders.get(event["pathParameters"]["orderId"])
    if order is None:
        return _response(404, {"message": "not found"})
    return _response(200, order)


def list_customer_orders(event: dict[str, Any]) -> dict[str, Any]:
    params = event.get("queryStringParameters") or {}
    try:
        items, cursor = orders.list_for_customer(
            event["pathParameters"]["customerId"],
            limit=min(int(params.get("limit", 20)), 100),
            cursor=params.get("cursor"),
        )
    except ValueError as err:
        return _response(400, {"message": str(err)})
    return _response(200, {"orders": items, "cursor": cursor})


ROUTES = {
    "POST /orders": create_order,
    "GET /orders/{orderId}": get_order,
    "GET /customers/{customerId}/orders": list_customer_orders,
}


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    route = ROUTES.get(event.get("routeKey", ""))
    if route is None:
        return _response(404, {"message": "no such route"})
    try:
        return route(event)
    except (json.JSONDecodeError, KeyError, TypeError) as err:
        logger.warning("bad request on %s: %s", event.get("routeKey"), err)
        return _response(400, {"message": "malformed request"})
