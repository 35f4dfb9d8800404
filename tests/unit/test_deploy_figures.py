"""The Grafana dashboard and the Prometheus alerts ask only for figures the platform exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

import gateway.observability  # noqa: F401 (registers the HTTP figures)
import servicekit.metrics  # noqa: F401 (registers every service's figures)
import yaml
from prometheus_client import REGISTRY

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
FUNCTIONS = {"sum", "by", "rate", "max", "histogram_quantile", "increase", "le", "up"}


def exported_samples() -> set[str]:
    names = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        names.update(f"{family.name}{suffix}" for suffix in ("_total", "_bucket", "_count", "_sum"))
    return names


def metric_names(expression: str) -> set[str]:
    without_groups = re.sub(r"\bby\s*\([^)]*\)", "", expression)
    without_labels = re.sub(r"\{[^}]*\}", "", without_groups)
    without_windows = re.sub(r"\[[^\]]*\]", "", without_labels)
    words = set(re.findall(r"[a-z_][a-z0-9_]*", without_windows))
    return {w for w in words if "_" in w and w not in FUNCTIONS}


def test_every_dashboard_panel_reads_an_exported_figure() -> None:
    dashboard = json.loads((DEPLOY / "grafana" / "einvoice-operations.json").read_text())
    exported = exported_samples()
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    assert len(expressions) >= 12
    for expression in expressions:
        missing = metric_names(expression) - exported
        assert not missing, f"{expression}: {missing}"
    titles = " ".join(p["title"] for p in dashboard["panels"]).lower()
    for figure in (
        "latency",
        "events appended",
        "relay lag",
        "consumer lag",
        "dead-letter",
        "mails",
        "invoices",
        "webhook",
    ):
        assert figure in titles, figure


def test_alerts_and_scrape_config_read_exported_figures() -> None:
    config = yaml.safe_load((DEPLOY / "prometheus" / "prometheus.yml").read_text())
    assert config["scrape_configs"][0]["metrics_path"] == "/metrics"
    alerts = yaml.safe_load((DEPLOY / "prometheus" / "alerts.yml").read_text())
    exported = exported_samples()
    for rule in alerts["groups"][0]["rules"]:
        missing = metric_names(rule["expr"]) - exported - {"job"}
        assert not missing, f"{rule['alert']}: {missing}"
