"""The Grafana dashboard over the deployment metrics (monitoring/dashboards/deployments.json).

Pure data, rendered by metrics_monitoring with the alert rules. `expressions()` lists every PromQL
query it holds, so tests can have promtool parse each one.
"""

from __future__ import annotations

from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
ENV = 'environment=~"$environment"'


def _target(expr: str, legend: str = "", ref: str = "A", **extra: Any) -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref, **extra}


def _panel(
    pid: int,
    title: str,
    kind: str,
    grid: tuple[int, int, int, int],
    targets: list[dict[str, Any]],
    **extra: Any,
) -> dict[str, Any]:
    x, y, w, h = grid
    return {
        "id": pid,
        "title": title,
        "type": kind,
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": w, "h": h},
        "targets": targets,
        **extra,
    }


def _increase(counter: str) -> str:
    return f"sum by (environment) (increase({counter}{{{ENV}}}[$__range]))"


SUCCESS_RATE = (
    f"{_increase('deployment_success_total')}\n/\nclamp_min(\n  "
    f"{_increase('deployment_success_total')}\n  + {_increase('deployment_failure_total')},\n  1\n)"
)


def _status_table() -> dict[str, Any]:
    columns = (
        ("A", f"max by (environment) (deployment_last_success_timestamp{{{ENV}}}) * 1000"),
        ("B", f"max by (environment) (deployment_success{{{ENV}}})"),
        ("C", f'max by (environment) (deployment_duration_seconds{{{ENV}, phase="total"}})'),
        ("D", f"max by (environment) (deployment_maintenance{{{ENV}}})"),
        ("E", f"max by (environment) (deployment_in_progress{{{ENV}}})"),
    )
    names = {
        "Value #A": "Last success",
        "Value #B": "Last run succeeded",
        "Value #C": "Last duration",
        "Value #D": "Maintenance",
        "Value #E": "In progress",
    }
    overrides = [
        _override("Last success", "unit", "dateTimeAsIso"),
        _override("Last duration", "unit", "s"),
        _override(
            "Last run succeeded",
            "mappings",
            [{"type": "value", "options": {"0": {"text": "failed"}, "1": {"text": "ok"}}}],
        ),
    ]
    return _panel(
        6,
        "Environment Status",
        "table",
        (0, 17, 24, 7),
        [_target(expr, ref=ref, format="table", instant=True) for ref, expr in columns],
        transformations=[
            {"id": "merge", "options": {}},
            {
                "id": "organize",
                "options": {"excludeByName": {"Time": True}, "renameByName": names},
            },
        ],
        fieldConfig={"defaults": {}, "overrides": overrides},
    )


def _override(column: str, prop: str, value: Any) -> dict[str, Any]:
    return {
        "matcher": {"id": "byName", "options": column},
        "properties": [{"id": prop, "value": value}],
    }


def dashboard() -> dict[str, Any]:
    """The dashboard JSON model (Grafana file-provisioning form)."""
    panels = [
        _panel(
            1,
            "Deployment Success Rate",
            "stat",
            (0, 0, 8, 8),
            [_target(SUCCESS_RATE, "{{environment}}")],
            fieldConfig={"defaults": {"unit": "percentunit", "min": 0, "max": 1}, "overrides": []},
        ),
        _panel(
            2,
            "Deployments",
            "timeseries",
            (8, 0, 8, 8),
            [
                _target(_increase("deployment_success_total"), "{{environment}} ok", "A"),
                _target(_increase("deployment_failure_total"), "{{environment}} failed", "B"),
            ],
            fieldConfig={"defaults": {"unit": "short", "decimals": 0}, "overrides": []},
        ),
        _panel(
            3,
            "Maintenance",
            "state-timeline",
            (16, 0, 8, 8),
            [_target(f"max by (environment) (deployment_maintenance{{{ENV}}})", "{{environment}}")],
        ),
        _panel(
            4,
            "Deployment Duration",
            "timeseries",
            (0, 8, 12, 9),
            [
                _target(
                    f'max by (environment) (deployment_duration_seconds{{{ENV}, phase="total"}})',
                    "{{environment}}",
                )
            ],
            fieldConfig={"defaults": {"unit": "s"}, "overrides": []},
        ),
        _panel(
            5,
            "Duration per Phase",
            "bargauge",
            (12, 8, 12, 9),
            [
                _target(
                    "max by (environment, phase) "
                    f'(deployment_duration_seconds{{{ENV}, phase!="total"}})',
                    "{{environment}} {{phase}}",
                    instant=True,
                )
            ],
            fieldConfig={"defaults": {"unit": "s"}, "overrides": []},
            options={"orientation": "horizontal", "displayMode": "gradient"},
        ),
        _status_table(),
    ]
    return {
        "uid": "unideploy-deployments",
        "title": "Deployment Overview",
        "tags": ["unideploy", "deployments"],
        "timezone": "browser",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "refresh": "1m",
        "time": {"from": "now-7d", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Data source",
                    "type": "datasource",
                    "query": "prometheus",
                },
                {
                    "name": "environment",
                    "label": "Environment",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": "label_values(deployment_success, environment)",
                    "includeAll": True,
                    "multi": True,
                    "allValue": ".*",
                    "current": {"text": "All", "value": "$__all"},
                    "refresh": 2,
                },
            ]
        },
        "panels": panels,
    }


def expressions(board: dict[str, Any] | None = None) -> list[str]:
    """Every PromQL expression the dashboard's panels hold, in panel order."""
    board = dashboard() if board is None else board
    return [target["expr"] for panel in board["panels"] for target in panel.get("targets", [])]
