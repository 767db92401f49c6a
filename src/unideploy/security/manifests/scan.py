"""Read manifests (files, directories, multi-document YAML) and run the checks over them.

Each file and each document fails on its own: a broken one becomes an `InputError` with its
place and the scan goes on. Custom resources are listed as skipped; typos in built-in kinds are
errors.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from unideploy.security.manifests.objects import K8sObject, ObjectRef
from unideploy.security.manifests.registry import Check, Finding, run_checks
from unideploy.security.manifests.yamlload import YamlProblem, load_document

MAX_FILE_BYTES = 8 * 1024 * 1024
MANIFEST_SUFFIXES = (".yaml", ".yml")
_DOC_MARKER = re.compile(r"^(---|\.\.\.)(\s|$)")

BUILTIN_KINDS: Mapping[str, frozenset[str]] = {
    "": frozenset(
        {"Pod", "Service", "ConfigMap", "Secret", "Namespace", "ServiceAccount", "Endpoints"}
        | {"PersistentVolume", "PersistentVolumeClaim", "ReplicationController", "LimitRange"}
        | {"ResourceQuota", "PodTemplate", "Node", "Event", "List", "Binding"}
    ),
    "apps": frozenset(
        {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ControllerRevision"}
    ),
    "batch": frozenset({"Job", "CronJob"}),
    "rbac.authorization.k8s.io": frozenset(
        {"Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"}
    ),
    "networking.k8s.io": frozenset({"NetworkPolicy", "Ingress", "IngressClass"}),
    "policy": frozenset({"PodDisruptionBudget"}),
    "autoscaling": frozenset({"HorizontalPodAutoscaler"}),
    "storage.k8s.io": frozenset({"StorageClass", "CSIDriver", "VolumeAttachment", "CSINode"}),
    "apiextensions.k8s.io": frozenset({"CustomResourceDefinition"}),
    "admissionregistration.k8s.io": frozenset(
        {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
        | {"ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"}
    ),
    "scheduling.k8s.io": frozenset({"PriorityClass"}),
    "coordination.k8s.io": frozenset({"Lease"}),
    "discovery.k8s.io": frozenset({"EndpointSlice"}),
    "node.k8s.io": frozenset({"RuntimeClass"}),
    "apiregistration.k8s.io": frozenset({"APIService"}),
    "certificates.k8s.io": frozenset({"CertificateSigningRequest"}),
}


@dataclass(frozen=True)
class InputError:
    """A file or document that could not be read as a Kubernetes object."""

    path: str
    message: str
    line: int = 0

    def to_json(self) -> dict[str, Any]:
        """JSON shape of an input error."""
        return {"path": self.path, "line": self.line, "message": self.message}

    def __str__(self) -> str:
        return (
            f"{self.path}:{self.line}: {self.message}"
            if self.line
            else f"{self.path}: {self.message}"
        )


@dataclass
class Loaded:
    """What reading the inputs produced."""

    objects: list[K8sObject] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    skipped: list[tuple[str, ObjectRef]] = field(default_factory=list)
    files: int = 0


@dataclass(frozen=True)
class ScanResult:
    """Findings of one scan plus everything that could not be checked."""

    findings: tuple[Finding, ...]
    errors: tuple[InputError, ...]
    skipped: tuple[tuple[str, ObjectRef], ...]
    files: int
    objects: int

    def to_json(self) -> dict[str, Any]:
        """JSON shape of a scan (the `security scan --output json` document)."""
        active = [f for f in self.findings if not f.exempted]
        return {
            "summary": {
                "files": self.files,
                "objects": self.objects,
                "findings": len(active),
                "unknown": sum(1 for f in active if f.unknown),
                "exempted": len(self.findings) - len(active),
                "errors": len(self.errors),
                "skipped": len(self.skipped),
            },
            "findings": [f.to_json() for f in self.findings],
            "errors": [e.to_json() for e in self.errors],
            "skipped": [{"path": p, "object": r.to_json()} for p, r in self.skipped],
        }


def _split_documents(text: str) -> Iterable[tuple[int, str]]:
    """Yield (first line number, text) for each YAML document, keeping line numbers exact."""
    start, lines = 1, list[str]()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _DOC_MARKER.match(line)
        if match:
            yield start, "\n".join(lines)
            start, lines = number, [" " * len(match.group(1)) + line[len(match.group(1)) :]]
            if match.group(1) == "...":
                lines = [""]
            continue
        lines.append(line)
    yield start, "\n".join(lines)


def _first_content_line(start: int, text: str) -> int:
    for offset, line in enumerate(text.splitlines()):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return start + offset
    return start


def _classify(doc: Mapping[str, Any], path: str, line: int, into: Loaded) -> None:
    """Turn one parsed mapping into an object, a skipped custom resource or an error."""
    missing = [key for key in ("apiVersion", "kind") if not isinstance(doc.get(key), str)]
    if missing:
        into.errors.append(
            InputError(path, f"not a Kubernetes object: {' and '.join(missing)} missing", line)
        )
        return
    api_version, kind = str(doc["apiVersion"]), str(doc["kind"])
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    known = BUILTIN_KINDS.get(group)
    obj = K8sObject(raw=doc, path=path, line=line)
    if known is None and "." in group and not group.endswith(".k8s.io"):
        into.skipped.append((path, obj.ref))
        return
    if known is None or kind not in known:
        choices = sorted(known or set().union(*BUILTIN_KINDS.values()))
        close = difflib.get_close_matches(kind, choices, n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        into.errors.append(InputError(path, f"unknown kind {kind} in {api_version}{hint}", line))
        return
    if kind == "List":
        for item in doc.get("items") or []:
            if isinstance(item, Mapping):
                _classify(item, path, line, into)
        return
    if not obj.name:
        into.errors.append(InputError(path, f"{kind} has no metadata.name", line))
        return
    into.objects.append(obj)


def load_text(text: str, path: str, into: Loaded) -> None:
    """Parse every document of `text` into `into`, one error per broken document."""
    for start, chunk in _split_documents(text):
        if not chunk.strip():
            continue
        line = _first_content_line(start, chunk)
        try:
            doc = load_document(chunk)
        except YamlProblem as exc:
            last = start + chunk.count("\n")
            where = min(start + exc.line, last) if exc.line is not None else line
            into.errors.append(InputError(path, f"not valid YAML: {exc.message}", where))
            continue
        if doc is None:
            continue
        if not isinstance(doc, Mapping):
            what = type(doc).__name__
            into.errors.append(
                InputError(path, f"not a Kubernetes object: document is a {what}", line)
            )
            continue
        _classify(doc, path, line, into)


def _expand(paths: Sequence[Path], into: Loaded) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p for p in path.rglob("*") if p.suffix in MANIFEST_SUFFIXES and p.is_file()
            )
            if not found:
                into.errors.append(InputError(str(path), "directory holds no .yaml or .yml files"))
            files += found
        elif path.is_file():
            files.append(path)
        else:
            into.errors.append(InputError(str(path), "no such file or directory"))
    return files


def load_paths(paths: Sequence[Path], *, max_bytes: int = MAX_FILE_BYTES) -> Loaded:
    """Read files and directories (recursively, *.yaml / *.yml) into objects and per-file errors."""
    into = Loaded()
    for file in _expand(paths, into):
        into.files += 1
        size = file.stat().st_size
        if size > max_bytes:
            into.errors.append(
                InputError(
                    str(file),
                    f"file is {size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.1f} MiB limit; "
                    "split it or raise --max-file-size",
                )
            )
            continue
        try:
            text = file.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            into.errors.append(InputError(str(file), f"not UTF-8 text (byte {exc.start})"))
            continue
        except OSError as exc:
            into.errors.append(InputError(str(file), f"cannot read: {exc.strerror}"))
            continue
        load_text(text, str(file), into)
    return into


def scan_objects(
    objects: Sequence[K8sObject],
    checks: Sequence[Check] | None = None,
    *,
    environment: str | None = None,
) -> tuple[Finding, ...]:
    """Run the checks over loaded objects (the deploy gate calls this on rendered output).

    Pass the whole rendered set at once (every release of the environment): cross-object checks
    judge what they can see and report "unknown" for what lies outside it.
    """
    return tuple(run_checks(objects, checks, environment=environment))


def scan(
    paths: Sequence[Path],
    *,
    checks: Sequence[Check] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    environment: str | None = None,
) -> ScanResult:
    """Load `paths` and run `checks` (default: all) over every object found, as one set."""
    loaded = load_paths(paths, max_bytes=max_bytes)
    return ScanResult(
        findings=scan_objects(loaded.objects, checks, environment=environment),
        errors=tuple(loaded.errors),
        skipped=tuple(loaded.skipped),
        files=loaded.files,
        objects=len(loaded.objects),
    )
