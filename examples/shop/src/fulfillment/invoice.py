"""Invoice building and storage."""
from __future__ import annotations

import json
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

VAT_RATE = Decimal("0.21")
CENT = Decimal("0.01")


def build_invoice(order: dict[str, Any]) -> dict[str, Any]:
    lines = []
    net = Decimal(0)
    for line in order["lines"]:
        amount = (Decimal(str(line["unit_price"])) * int(line["quantity"])).quantize(CENT)
        net += amount
        lines.append(
            {
                "sku": line["sku"],
                "description": line.get("name", line["sku"]),
                "quantity": int(line["quantity"]),
                "unit_price": str(line["unit_price"]),
                "amount": str(amount),
            }
        )
    vat = (net * VAT_RATE).quantize(CENT, rounding=ROUND_HALF_UP)
    return {
        "number": f"INV-{order['order_date'].replace('-', '')}-{order['order_id'][:8].upper()}",
        "order_id": order["order_id"],
        "customer_id": order["customer_id"],
        "customer_email": order.get("customer_email"),
        "issued_at": order["created_at"],
        "currency": order.get("currency", "EUR"),
        "lines": lines,
        "net": str(net),
        "vat": str(vat),
        "total": str(net + vat),
    }


def store_invoice(s3: Any, bucket: str, invoice: dict[str, Any]) -> str:
    """Write the invoice JSON to S3 and return its key."""
    order_id = invoice["order_id"]
    key = f"invoices/{order_id}.json"
    s3.put_object(
        Bucket=bucket,
        Key=key,
        Body=json.dumps(invoice, indent=2).encode("utf-8"),
        ContentType="application/json",
        ServerSideEncryption="AES256",
        Metadata={"invoice-number": invoice["number"]},
    )
    return key
