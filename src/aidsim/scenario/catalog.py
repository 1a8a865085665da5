"""The parameter catalogue: every scenario parameter with its default, unit, description and source,
walked from the schema (the single place where parameters are documented)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from aidsim.scenario.schema import Scenario


def catalogue(values: BaseModel | None = None, prefix: str = "",
              inherited: tuple[str, str] = ("", "")) -> list[dict[str, Any]]:
    """One row per leaf parameter: ``path``, ``value``, ``unit``, ``description``, ``source``.

    ``values`` defaults to the default scenario, so ``value`` is then each parameter's default;
    pass a loaded scenario to list its values instead.
    """
    values = Scenario() if values is None else values
    rows: list[dict[str, Any]] = []
    for name, info in type(values).model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        unit, source = extra.get("unit", ""), extra.get("source", "")
        if unit == "see parent":
            unit, source = inherited
        value = getattr(values, name)
        if isinstance(value, BaseModel):
            rows.extend(catalogue(value, f"{prefix}{name}.", (unit, source)))
            continue
        if hasattr(value, "to_data"):
            value = value.to_data()
        rows.append({"path": f"{prefix}{name}", "value": value, "unit": unit,
                     "description": info.description or "", "source": source})
    return rows
