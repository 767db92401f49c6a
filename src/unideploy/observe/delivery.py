"""Where deployment metrics go: a Pushgateway group per environment, or a node_exporter textfile.

Holds samples in a small table that renders through prometheus_client's exposition code, reads back
what a Pushgateway or an earlier textfile holds, and returns every delivery problem as a warning.
prometheus_client is imported where it is used: a run that sends metrics nowhere never loads it.
"""

from __future__ import annotations

import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from unideploy.observe.notify import shown_url

if TYPE_CHECKING:
    from prometheus_client.metrics_core import Metric

DeliveryError = (OSError, ValueError, http.client.HTTPException)


def _key(name: str, labels: Mapping[str, str]) -> tuple[str, tuple[tuple[str, str], ...]]:
    return name, tuple(sorted(labels.items()))


class SampleTable:
    """Samples by metric family, with each family's type and help; a prometheus_client Collector.

    Counter families are keyed by their exposed name (`…_total`), as in the text format.
    """

    def __init__(self, families: Mapping[str, tuple[str, str]] | None = None) -> None:
        self.families: dict[str, tuple[str, str]] = dict(families or {})
        self.samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}

    def define(self, families: Mapping[str, tuple[str, str]]) -> None:
        """Declare more families (type, help)."""
        self.families.update(families)

    def add(self, name: str, labels: Mapping[str, str], value: float) -> None:
        """Set one sample; the family must be declared."""
        if name not in self.families:
            raise KeyError(f"metric family {name!r} is not declared")
        self.samples[_key(name, labels)] = float(value)

    def matching(self, name: str, labels: Mapping[str, str]) -> list[float]:
        """Values of `name` whose labels include every one of `labels`."""
        wanted = set(labels.items())
        return [v for (n, ls), v in self.samples.items() if n == name and wanted <= set(ls)]

    def value(self, name: str, labels: Mapping[str, str]) -> float:
        """The largest matching value, 0 when there is none."""
        return max(self.matching(name, labels), default=0.0)

    def value_or_none(self, name: str, labels: Mapping[str, str]) -> float | None:
        """The largest matching value, or None."""
        found = self.matching(name, labels)
        return max(found) if found else None

    def merged(
        self, newer: SampleTable, environment: str, *, replace: bool, prefixes: Sequence[str]
    ) -> SampleTable:
        """Return this table with `newer` laid over it.

        With `replace`, first drop this table's samples of `environment` in families whose name
        starts with one of `prefixes` (the environment's whole set is being rewritten).
        """
        out = SampleTable(self.families)
        out.define(newer.families)
        for (name, labels), value in self.samples.items():
            ours = name.startswith(tuple(prefixes)) and ("environment", environment) in labels
            if not (replace and ours):
                out.samples[(name, labels)] = value
        out.samples.update(newer.samples)
        return out

    def collect(self) -> Iterator[Metric]:
        """Yield one prometheus_client Metric per family that has samples."""
        from prometheus_client.metrics_core import Metric

        for name, (kind, text) in self.families.items():
            rows = [(ls, v) for (n, ls), v in self.samples.items() if n == name]
            if not rows:
                continue
            base = name.removesuffix("_total") if kind == "counter" else name
            metric = Metric(base, text, kind)
            for labels, value in sorted(rows):
                metric.add_sample(name, dict(labels), value)
            yield metric

    def render(self) -> str:
        """The text exposition format (what node_exporter's textfile collector reads)."""
        from prometheus_client import generate_latest

        return generate_latest(self).decode()


def parse_text(text: str, *, only: Mapping[str, str] | None = None) -> SampleTable:
    """A table from exposition text; with `only`, keep samples carrying all of those labels."""
    from prometheus_client.parser import text_string_to_metric_families

    table = SampleTable()
    wanted = set((only or {}).items())
    for family in text_string_to_metric_families(text):
        kind = family.type if family.type in ("counter", "gauge") else "untyped"
        name = f"{family.name}_total" if kind == "counter" else family.name
        for sample in family.samples:
            if sample.name != name or not wanted <= set(sample.labels.items()):
                continue
            table.families.setdefault(name, (kind, family.documentation))
            table.samples[_key(name, sample.labels)] = float(sample.value)
    return table


def read_gateway(
    url: str, job: str, environment: str, timeout: float
) -> tuple[SampleTable | None, str | None]:
    """What the Pushgateway holds for (job, environment); a warning instead when it cannot say."""
    try:
        with urllib.request.urlopen(  # noqa: S310 - the user's own Pushgateway URL
            f"{url.rstrip('/')}/metrics", timeout=timeout
        ) as response:
            text = response.read().decode()
        return parse_text(text, only={"job": job, "environment": environment}), None
    except DeliveryError as exc:
        return None, (
            f"Pushgateway {shown_url(url)} could not be read ({_reason(exc)}); "
            "counters continue from history only"
        )


def read_textfile(path: Path) -> tuple[SampleTable | None, str | None]:
    """The samples an earlier run wrote to the textfile (None when there is no file yet)."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"metrics textfile {path} could not be read ({_reason(exc)})"
    try:
        return parse_text(text), None
    except ValueError as exc:
        return None, f"metrics textfile {path} is not in the exposition format ({exc}); rewritten"


def deliver(
    table: SampleTable,
    *,
    environment: str,
    job: str,
    pushgateway: str | None,
    textfile: Path | None,
    existing: SampleTable | None,
    replace_group: bool,
    timeout: float,
    prefixes: Sequence[str],
) -> list[str]:
    """Push `table` and/or write it into the textfile; return what failed, as warnings.

    `replace_group` replaces the environment's whole Pushgateway group (PUT) and its samples in
    the textfile; otherwise only the families in `table` change (POST).
    """
    from prometheus_client.exposition import (
        push_to_gateway,
        pushadd_to_gateway,
        write_to_textfile,
    )

    warnings: list[str] = []
    if pushgateway is not None:
        push = push_to_gateway if replace_group else pushadd_to_gateway
        try:
            push(
                pushgateway,
                job=job,
                registry=table,
                grouping_key={"environment": environment},
                timeout=timeout,
            )
        except DeliveryError as exc:
            warnings.append(
                f"metrics not pushed to Pushgateway {shown_url(pushgateway)}: {_reason(exc)}"
            )
    if textfile is not None:
        base = existing or SampleTable()
        merged = base.merged(table, environment, replace=replace_group, prefixes=prefixes)
        try:
            write_to_textfile(os.fspath(textfile), merged)
        except DeliveryError as exc:
            warnings.append(f"metrics textfile {textfile} not written: {_reason(exc)}")
    return warnings


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    if reason is not None and not isinstance(exc, urllib.error.HTTPError):
        return str(reason)
    return str(exc) or type(exc).__name__
