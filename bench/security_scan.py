"""Benchmark: `unideploy security scan` against checkov on the same 1,000 generated manifests.

Generates N single-object manifests with a seeded mix of insecure settings, scans them with our
checks (in process, and through the CLI as a fresh process) and with checkov (installed in its own
venv under ~/.cache, never a dependency of the project), then prints the time ratio and, for every
check of ours that cites a checkov ID, how many manifests each tool flagged and where they differ.

    .venv/bin/python bench/security_scan.py [--count 1000] [--seed 7] [--install-checkov]
    .venv/bin/python bench/security_scan.py --ours-only [--budget 1.0]

The mix includes the objects cross-object checks judge together (NetworkPolicies, PDBs, HPAs,
bindings to aggregated ClusterRoles, literal credentials), so the timing covers them.
`--ours-only` skips checkov and exits 1 when the in-process scan takes longer than `--budget`
seconds per 1,000 objects.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from unideploy.engines.process import run
from unideploy.security.manifests.k8s.ud_k8s_052_pull_policy import FULL_VERSION
from unideploy.security.manifests.registry import all_checks
from unideploy.security.manifests.scan import load_paths, scan, scan_objects

CACHE = Path.home() / ".cache" / "unideploy-bench"
CHECKOV_VENV = CACHE / "checkov-venv"
REPO = Path(__file__).resolve().parents[1]
DIGEST = "sha256:" + "ab" * 32


def _container(rng: random.Random, name: str) -> dict[str, Any]:
    sc: dict[str, Any] = {}
    if rng.random() < 0.15:
        sc["privileged"] = True
    ape = rng.choice([None, True, False, False])
    if ape is not None:
        sc["allowPrivilegeEscalation"] = ape
    if rng.random() < 0.5:
        sc["readOnlyRootFilesystem"] = True
    if rng.random() < 0.4:
        sc["runAsNonRoot"] = True
    if rng.random() < 0.1:
        sc["runAsUser"] = 0
    caps: dict[str, Any] = {}
    drop = rng.choice([None, ["ALL"], ["NET_RAW"], None])
    if drop:
        caps["drop"] = drop
    add = rng.choice([None, None, None, ["NET_ADMIN"], ["SYS_ADMIN"], ["NET_BIND_SERVICE"]])
    if add:
        caps["add"] = add
    if caps:
        sc["capabilities"] = caps
    if rng.random() < 0.3:
        sc["seccompProfile"] = {"type": rng.choice(["RuntimeDefault", "Unconfined"])}
    image = rng.choice(
        [
            f"registry.example.org/{name}:1.2.3",
            f"registry.example.org/{name}:latest",
            f"registry.example.org/{name}",
            f"registry.example.org/{name}:1.2.3@{DIGEST}",
        ]
    )
    container: dict[str, Any] = {"name": name, "image": image}
    if sc:
        container["securityContext"] = sc
    resources: dict[str, Any] = {}
    for part, res, value in (
        ("requests", "cpu", "100m"),
        ("requests", "memory", "64Mi"),
        ("limits", "cpu", "1"),
        ("limits", "memory", "256Mi"),
    ):
        if rng.random() < 0.7:
            resources.setdefault(part, {})[res] = value
    if resources:
        container["resources"] = resources
    for probe in ("livenessProbe", "readinessProbe"):
        if rng.random() < 0.6:
            container[probe] = {"httpGet": {"path": "/healthz", "port": 8080}}
    if rng.random() < 0.2:
        container["ports"] = [{"containerPort": 8080, "hostPort": 8080}]
    if rng.random() < 0.2:
        container["env"] = [
            {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "api", "key": "token"}}}
        ]
    if rng.random() < 0.1:
        container.setdefault("env", []).append({"name": "DB_PASSWORD", "value": "placeholder"})
    return container


def _pod_spec(rng: random.Random, name: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [_container(rng, name)]}
    if rng.random() < 0.2:
        spec["initContainers"] = [_container(rng, f"{name}-init")]
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if rng.random() < 0.08:
            spec[key] = True
    if rng.random() < 0.5:
        spec["automountServiceAccountToken"] = False
    if rng.random() < 0.6:
        spec["serviceAccountName"] = name
    if rng.random() < 0.3:
        spec["securityContext"] = {"runAsNonRoot": True, "runAsUser": 1000}
        if rng.random() < 0.5:
            spec["securityContext"]["seccompProfile"] = {"type": "RuntimeDefault"}
    if rng.random() < 0.15:
        path = rng.choice(["/var/log", "/var/run/docker.sock", "/etc"])
        spec["volumes"] = [{"name": "host", "hostPath": {"path": path}}]
    return spec


def _metadata(rng: random.Random, name: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    namespace = rng.choice([None, "default", "apps", "monitoring", "storage"])
    if namespace:
        meta["namespace"] = namespace
    return meta


def _workload(rng: random.Random, index: int) -> dict[str, Any]:
    kind = rng.choice(["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"])
    name = f"app-{index}"
    meta = _metadata(rng, name)
    spec = _pod_spec(rng, name)
    if kind == "Pod":
        return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": spec}
    template = {"metadata": {"labels": {"app": name}}, "spec": spec}
    if kind == "CronJob":
        spec["restartPolicy"] = "OnFailure"
        body = {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": template}}}
        return {"apiVersion": "batch/v1", "kind": kind, "metadata": meta, "spec": body}
    if kind == "Job":
        spec["restartPolicy"] = "Never"
        return {
            "apiVersion": "batch/v1",
            "kind": kind,
            "metadata": meta,
            "spec": {"template": template},
        }
    body = {"selector": {"matchLabels": {"app": name}}, "template": template}
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": body}


def _rbac(rng: random.Random, index: int) -> dict[str, Any]:
    name = f"rbac-{index}"
    if rng.random() < 0.5:
        verbs = rng.choice([["get", "list"], ["*"], ["create"], ["impersonate"], ["escalate"]])
        resources = rng.choice([["configmaps"], ["secrets"], ["*"], ["pods/exec"], ["users"]])
        kind = rng.choice(["Role", "ClusterRole"])
        meta = {"name": name} if kind == "ClusterRole" else _metadata(rng, name)
        rule = {"apiGroups": [rng.choice(["", "*"])], "resources": resources, "verbs": verbs}
        return {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": kind,
            "metadata": meta,
            "rules": [rule],
        }
    subject = rng.choice(
        [
            {"kind": "ServiceAccount", "name": "default", "namespace": "apps"},
            {"kind": "ServiceAccount", "name": "ci", "namespace": "tools"},
            {"kind": "Group", "name": "system:masters", "apiGroup": "rbac.authorization.k8s.io"},
        ]
    )
    kind = rng.choice(["RoleBinding", "ClusterRoleBinding"])
    meta = {"name": name} if kind == "ClusterRoleBinding" else _metadata(rng, name)
    role = rng.choice(["cluster-admin", "view", "edit", "x-1", f"rbac-{index - 1}"])
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [subject],
    }


def _other(rng: random.Random, index: int) -> dict[str, Any]:
    choice = rng.random()
    if choice < 0.4:
        ingress: dict[str, Any] = {
            "rules": [{"host": f"app{index}.lab.example", "http": {"paths": []}}]
        }
        if rng.random() < 0.5:
            ingress["tls"] = [{"hosts": [f"app{index}.lab.example"], "secretName": "tls"}]
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": _metadata(rng, f"ing-{index}"),
            "spec": ingress,
        }
    if choice < 0.7:
        sa: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {**_metadata(rng, "default"), "namespace": "apps"},
        }
        if rng.random() < 0.5:
            sa["automountServiceAccountToken"] = False
        return sa
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(rng, f"cm-{index}"),
        "data": rng.choice([{"LOG_LEVEL": "info"}, {"DB_PASSWORD": "placeholder"}]),
    }


def _cross(rng: random.Random, index: int) -> dict[str, Any]:
    """Objects judged together with others: policies, budgets, autoscalers, aggregated roles."""
    namespace = rng.choice(["default", "apps", "monitoring", "storage"])
    meta = {"name": f"x-{index}", "namespace": namespace}
    target = f"app-{rng.randrange(max(index, 1))}"
    choice = rng.random()
    if choice < 0.3:
        selector = rng.choice([{}, {"matchLabels": {"app": target}}])
        spec: dict[str, Any] = {"podSelector": selector}
        if rng.random() < 0.3:
            spec["policyTypes"] = rng.choice([["Ingress"], ["Egress"], ["Ingress", "Egress"]])
        return {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta,
            "spec": spec,
        }
    if choice < 0.6:
        budgets: list[dict[str, Any]] = [
            {"minAvailable": 1},
            {"maxUnavailable": 0},
            {"minAvailable": "50%"},
        ]
        budget = rng.choice(budgets)
        spec = {**budget, "selector": {"matchLabels": {"app": target}}}
        return {
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": meta,
            "spec": spec,
        }
    if choice < 0.8:
        ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": target}
        spec = {"scaleTargetRef": ref, "minReplicas": rng.choice([1, 2, 3]), "maxReplicas": 5}
        return {
            "apiVersion": "autoscaling/v2",
            "kind": "HorizontalPodAutoscaler",
            "metadata": meta,
            "spec": spec,
        }
    label = {f"example.org/aggregate-to-{rng.choice(['ops', 'dev'])}": "true"}
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": f"x-{index}", "labels": label},
        "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": label}]},
        "rules": [],
    }


def generate(directory: Path, count: int, seed: int) -> None:
    """Write `count` manifests, one object per file, deterministically from `seed`."""
    rng = random.Random(seed)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    for index in range(count):
        roll = rng.random()
        if roll < 0.65:
            obj = _workload(rng, index)
        elif roll < 0.8:
            obj = _rbac(rng, index)
        elif roll < 0.9:
            obj = _cross(rng, index)
        else:
            obj = _other(rng, index)
        with (directory / f"m{index:04d}.yaml").open("w") as handle:
            yaml.dump(obj, handle)


def install_checkov() -> Path:
    """Create the benchmark-only venv with checkov (PyPI) if it is not there yet."""
    binary = CHECKOV_VENV / "bin" / "checkov"
    if not binary.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        run([sys.executable, "-m", "venv", str(CHECKOV_VENV)], check=True)
        run(
            [str(CHECKOV_VENV / "bin" / "pip"), "install", "-q", "checkov"],
            check=True,
            timeout=1800,
        )
    return binary


def run_checkov(binary: Path, directory: Path) -> tuple[float, dict[str, set[str]]]:
    """Seconds taken and {checkov check ID: flagged file names}."""
    argv = [str(binary), "-d", str(directory), "--framework", "kubernetes", "-o", "json"]
    argv += ["--quiet", "--compact", "--skip-download"]
    start = time.perf_counter()
    done = run(argv, timeout=3600)
    seconds = time.perf_counter() - start
    report = json.loads(done.stdout)
    reports = report if isinstance(report, list) else [report]
    flagged: dict[str, set[str]] = defaultdict(set)
    for one in reports:
        for failed in one.get("results", {}).get("failed_checks", []):
            flagged[failed["check_id"]].add(Path(failed["file_path"]).name)
    return seconds, flagged


def run_ours(directory: Path) -> tuple[float, float, dict[str, set[str]]]:
    """Seconds in process, seconds as a CLI process, and {our check ID: flagged file names}."""
    start = time.perf_counter()
    result = scan([directory])
    in_process = time.perf_counter() - start
    assert not result.errors, result.errors[:3]
    flagged: dict[str, set[str]] = defaultdict(set)
    for finding in result.findings:
        if not finding.exempted:
            flagged[finding.check_id].add(Path(finding.path).name)
    cli = REPO / ".venv" / "bin" / "unideploy"
    start = time.perf_counter()
    done = run(
        [str(cli), "security", "scan", "-m", str(directory), "-o", "json", "--fail-on", "none"]
    )
    as_cli = time.perf_counter() - start
    assert done.returncode == 0, done.stderr[-500:]
    return in_process, as_cli, flagged


def _cronjob_with_container_seccomp(path: Path) -> bool:
    """checkov's CKV_K8S_31 reads only the pod-level profile in CronJobs; container level counts."""
    obj = YAML(typ="safe", pure=True).load(path.read_text())
    if obj.get("kind") != "CronJob":
        return False
    spec = obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    containers = spec.get("containers", []) + spec.get("initContainers", [])
    return all(
        (c.get("securityContext") or {}).get("seccompProfile", {}).get("type")
        in ("RuntimeDefault", "Localhost")
        for c in containers
    )


def _read_pod_spec(path: Path) -> dict[str, Any]:
    obj = YAML(typ="safe", pure=True).load(path.read_text())
    spec = obj.get("spec", {})
    if obj.get("kind") == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    pod: dict[str, Any] = (
        spec if obj.get("kind") == "Pod" else spec.get("template", {}).get("spec", {})
    )
    return pod


def _request_defaults_from_limit(resource: str) -> Any:
    def rule(path: Path) -> bool:
        spec = _read_pod_spec(path)
        containers = spec.get("containers", []) + spec.get("initContainers", [])
        return all(
            resource in (c.get("resources") or {}).get("requests", {})
            or resource in (c.get("resources") or {}).get("limits", {})
            for c in containers
        )

    return rule


def _fixed_versions_only(path: Path) -> bool:
    """Every container not pulled Always names a full x.y.z version (or a digest): not mutable."""
    spec = _read_pod_spec(path)
    containers = spec.get("containers", []) + spec.get("initContainers", [])
    for container in containers:
        if container.get("imagePullPolicy") == "Always":
            continue
        image = str(container.get("image", ""))
        tag = image.partition("@")[0].rpartition(":")[2] if ":" in image.rpartition("/")[2] else ""
        if "@" not in image and not FULL_VERSION.match(tag):
            return False
    return True


# Disagreements where checkov is wrong about Kubernetes, each with the rule that proves it.
LIMIT_NOTE = "a limit without a request: Kubernetes copies the limit into the request"
EXPLAINED = {
    "CKV_K8S_10": (_request_defaults_from_limit("cpu"), LIMIT_NOTE),
    "CKV_K8S_12": (_request_defaults_from_limit("memory"), LIMIT_NOTE),
    "CKV_K8S_15": (
        _fixed_versions_only,
        "checkov asks Always for fixed x.y.z tags too; UD-K8S-052 asks it for mutable tags only",
    ),
    "CKV_K8S_31": (
        _cronjob_with_container_seccomp,
        "checkov ignores container-level seccompProfile in CronJobs; Kubernetes honours it",
    ),
}


def agreement(
    ours: dict[str, set[str]], theirs: dict[str, set[str]], directory: Path
) -> list[dict[str, Any]]:
    """One row per (our check, checkov ID) pair our checks cite."""
    rows = []
    for check in all_checks():
        for ref in check.references:
            if not ref.startswith("CKV"):
                continue
            mine, other = ours.get(check.id, set()), theirs.get(ref, set())
            rule = EXPLAINED[ref][0] if ref in EXPLAINED else None
            explained = {f for f in other - mine if rule is not None and rule(directory / f)}
            rows.append(
                {
                    "check": check.id,
                    "checkov": ref,
                    "checkov_flagged": len(other),
                    "we_flagged": len(mine),
                    "both": len(mine & other),
                    "checkov_only": sorted(other - mine - explained),
                    "explained": sorted(explained),
                    "ours_only": len(mine - other),
                }
            )
    return rows


def ours_only(count: int, seed: int, budget: float, keep: Path | None) -> int:
    """Time our in-process scan, loading included (best of three), against the budget."""
    with tempfile.TemporaryDirectory() as scratch:
        directory = keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        generate(directory, count, seed)
        loaded = load_paths([directory])
        assert not loaded.errors, loaded.errors[:3]
        checks_only, whole = [], []
        for _ in range(3):
            start = time.perf_counter()
            findings = scan_objects(loaded.objects)
            checks_only.append(time.perf_counter() - start)
            start = time.perf_counter()
            scan([directory])
            whole.append(time.perf_counter() - start)
    objects = len(loaded.objects)
    per_thousand = min(whole) * 1000 / max(objects, 1)
    unknown = sum(1 for f in findings if f.unknown)
    print(f"{objects} objects (seed {seed}), {len(all_checks())} checks")
    print(f"  checks only        {min(checks_only):8.3f} s")
    print(f"  load + checks      {min(whole):8.3f} s  ({per_thousand:.3f} s per 1,000 objects)")
    print(f"  findings           {len(findings):8d}  ({unknown} unknown)")
    verdict = "within" if per_thousand <= budget else "OVER"
    print(f"  budget             {budget:8.3f} s per 1,000 objects: {verdict}")
    return 0 if per_thousand <= budget else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, help="write the manifests here and keep them")
    parser.add_argument("--install-checkov", action="store_true", help="create the checkov venv")
    parser.add_argument("--json", type=Path, help="also write the full report as JSON")
    parser.add_argument("--ours-only", action="store_true", help="time our scan, skip checkov")
    parser.add_argument("--budget", type=float, default=1.0, help="seconds per 1,000 objects")
    options = parser.parse_args()
    if options.ours_only:
        return ours_only(options.count, options.seed, options.budget, options.keep)
    binary = CHECKOV_VENV / "bin" / "checkov"
    if options.install_checkov:
        binary = install_checkov()
    if not binary.exists():
        print(f"checkov not found at {binary}; rerun with --install-checkov", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        directory = options.keep or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        generate(directory, options.count, options.seed)
        ours_s, cli_s, ours = run_ours(directory)
        checkov_s, theirs = run_checkov(binary, directory)
        rows = agreement(ours, theirs, directory)
    print(f"{options.count} manifests (seed {options.seed})")
    print(f"  unideploy in process  {ours_s:8.2f} s")
    print(f"  unideploy CLI         {cli_s:8.2f} s")
    print(f"  checkov               {checkov_s:8.2f} s")
    print(f"  checkov / our CLI     {checkov_s / cli_s:8.1f}x")
    print(f"  checkov / in process  {checkov_s / ours_s:8.1f}x")
    print()
    header = ("check", "checkov", "ckv", "ours", "both", "ckv-only", "explained", "ours-only")
    print("{:11} {:11} {:>5} {:>5} {:>5} {:>8} {:>9} {:>9}".format(*header))
    for row in rows:
        cells: tuple[Any, ...] = (
            row["check"],
            row["checkov"],
            row["checkov_flagged"],
            row["we_flagged"],
        )
        cells += (row["both"], len(row["checkov_only"]), len(row["explained"]), row["ours_only"])
        print("{:11} {:11} {:5} {:5} {:5} {:8} {:9} {:9}".format(*cells))
    misses = [r for r in rows if r["checkov_only"]]
    print()
    for row in rows:
        if row["explained"]:
            print(f"explained {row['checkov']}: {EXPLAINED[row['checkov']][1]}")
            print(f"  {len(row['explained'])} manifests, e.g. {', '.join(row['explained'][:6])}")
    if misses:
        print("manifests checkov flags that we do not:")
        for row in misses:
            print(f"  {row['check']} / {row['checkov']}: {', '.join(row['checkov_only'][:8])}")
    else:
        print("every manifest checkov flags for a check in our list, we flag too")
    if options.json:
        options.json.write_text(
            json.dumps(
                {
                    "count": options.count,
                    "seed": options.seed,
                    "seconds": {"ours": ours_s, "cli": cli_s, "checkov": checkov_s},
                    "agreement": rows,
                },
                indent=2,
            )
        )
    return 0 if not misses else 1


if __name__ == "__main__":
    sys.exit(main())
