"""CSV formatting for the nightly report (no AWS calls here)."""
from __future__ import annotations

import csv
from decimal import Decimal
from typing import Any, Iterable, TextIO

COLUMNS = ["order_id", "created_at", "customer_id", "status", "total", "currency"]


def write_csv(fh: TextIO, rows: Iterable[dict[str, Any]]) -> None:
    writer = csv.DictWriter(fh, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for row in sorted(rows, key=lambda r: r.get("created_at", "")):
        writer.writerow(row)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    live = [r for r in rows if r.get("status") != "CANCELLED"]
    revenue = sum((Decimal(str(r.get("total", 0))) for r in live), Decimal(0))
    currencies = {r.get("currency", "EUR") for r in live} or {"EUR"}
    return {
        "orders": len(live),
        "cancelled": len(rows) - len(live),
        "revenue": str(revenue.quantize(Decimal("0.01"))),
        "currency": "/".join(sorted(currencies)),
    }
