"""The kwok configuration the sandbox runs with: options plus the node and pod lifecycle Stages.

kwok started on its own has no built-in Stages, so this module writes them. Pods become Running and
Ready on fake nodes, Job pods complete, deleted pods go away, and a Pod annotated
`unideploy.io/sandbox-unready: "true"` runs but stays NotReady (see docs/sandbox.md).
"""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import LiteralScalarString

UNREADY_ANNOTATION = "unideploy.io/sandbox-unready"
FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node"
POD_CIDR_GENERATIONS = 64  # pod IPs come from 10.64.0.0/10, one /16 per generation
NODE_IP = "10.255.0.1"

_POD_IP_ARGS = (
    '( or .spec.hostNetwork false ) ( or .metadata.uid "" ) '
    '( or .metadata.name "" ) ( or .metadata.namespace "" )'
)
_READY_EXPR = '.status.conditions.[] | select( .type == "Ready" ) | .status'
_UNREADY_EXPR = f'.metadata.annotations["{UNREADY_ANNOTATION}"]'

# The node conditions kwok's `NodeConditions` helper yields, refreshed with a heartbeat time.
_NODE_CONDITIONS = """\
{{ $now := Now }}
{{ $since := or .metadata.creationTimestamp $now }}
conditions:
{{ range NodeConditions }}
- lastHeartbeatTime: {{ $now | Quote }}
  lastTransitionTime: {{ $since | Quote }}
  message: {{ .message | Quote }}
  reason: {{ .reason | Quote }}
  status: {{ .status | Quote }}
  type: {{ .type | Quote }}
{{ end }}
"""

_NODE_INITIALIZE = (
    _NODE_CONDITIONS
    + """\
addresses:
{{ with NodeIP }}
- address: {{ . | Quote }}
  type: InternalIP
{{ end }}
- address: {{ .metadata.name | Quote }}
  type: Hostname
allocatable:
{{ with .status.allocatable }}{{ YAML . 1 }}{{ else }}
  cpu: "32"
  memory: 128Gi
  pods: "250"
{{ end }}
capacity:
{{ with .status.capacity }}{{ YAML . 1 }}{{ else }}
  cpu: "32"
  memory: 128Gi
  pods: "250"
{{ end }}
nodeInfo:
  architecture: amd64
  operatingSystem: linux
  kubeletVersion: {{ printf "kwok-%s" Version | Quote }}
  containerRuntimeVersion: {{ printf "kwok-%s" Version | Quote }}
  kernelVersion: {{ printf "kwok-%s" Version | Quote }}
  kubeProxyVersion: {{ printf "kwok-%s" Version | Quote }}
  bootID: ""
  machineID: ""
  osImage: ""
  systemUUID: ""
phase: Running
"""
)


# Host and pod addresses, allocated by kwok from the node IP and the pod CIDR.
_ADDRESSES = (
    """\
{{ with NodeIPWith .spec.nodeName }}
hostIP: {{ . | Quote }}
hostIPs:
- ip: {{ . | Quote }}
{{ end }}
{{ with PodIPWith .spec.nodeName """
    + _POD_IP_ARGS
    + """ }}
podIP: {{ . | Quote }}
podIPs:
- ip: {{ . | Quote }}
{{ end }}
"""
)


def _pod_running(ready: bool, assign_ips: bool = True) -> str:
    """Return a pod status template: Running, with every container ready or none.

    `assign_ips` is False for pods that already run: they keep their addresses and start time.
    """
    flag = "true" if ready else "false"
    status = '"True"' if ready else '"False"'
    reason = "" if ready else "\n  reason: ContainersNotReady"
    first_start = _ADDRESSES + "startTime: {{ $now | Quote }}\n" if assign_ips else ""
    return f"""\
{{{{ $now := Now }}}}
conditions:
- lastTransitionTime: {{{{ $now | Quote }}}}
  status: "True"
  type: Initialized
- lastTransitionTime: {{{{ $now | Quote }}}}
  status: "True"
  type: PodScheduled
- lastTransitionTime: {{{{ $now | Quote }}}}
  status: {status}
  type: Ready{reason}
- lastTransitionTime: {{{{ $now | Quote }}}}
  status: {status}
  type: ContainersReady{reason}
{{{{ range .spec.readinessGates }}}}
- lastTransitionTime: {{{{ $now | Quote }}}}
  status: {status}
  type: {{{{ .conditionType | Quote }}}}
{{{{ end }}}}
containerStatuses:
{{{{ range .spec.containers }}}}
- image: {{{{ .image | Quote }}}}
  name: {{{{ .name | Quote }}}}
  ready: {flag}
  started: true
  restartCount: 0
  state:
    running:
      startedAt: {{{{ $now | Quote }}}}
{{{{ end }}}}
initContainerStatuses:
{{{{ range .spec.initContainers }}}}
- image: {{{{ .image | Quote }}}}
  name: {{{{ .name | Quote }}}}
  ready: true
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{{{ $now | Quote }}}}
      finishedAt: {{{{ $now | Quote }}}}
{{{{ end }}}}
{first_start}phase: Running
"""


_POD_COMPLETE = """\
{{ $now := Now }}
containerStatuses:
{{ range .spec.containers }}
- image: {{ .image | Quote }}
  name: {{ .name | Quote }}
  ready: false
  started: false
  restartCount: 0
  state:
    terminated:
      exitCode: 0
      reason: Completed
      startedAt: {{ $now | Quote }}
      finishedAt: {{ $now | Quote }}
{{ end }}
phase: Succeeded
"""


def _expr(key: str, operator: str, *values: str) -> dict[str, Any]:
    expression: dict[str, Any] = {"key": key, "operator": operator}
    if values:
        expression["values"] = list(values)
    return expression


def _stage(
    name: str, kind: str, selector: list[dict[str, Any]], nxt: dict[str, Any], **extra: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "resourceRef": {"apiGroup": "v1", "kind": kind},
        "selector": {"matchExpressions": selector},
        "next": nxt,
    }
    spec.update(extra)
    return {
        "apiVersion": "kwok.x-k8s.io/v1alpha1",
        "kind": "Stage",
        "metadata": {"name": name},
        "spec": spec,
    }


def stages() -> list[dict[str, Any]]:
    """Return the node and pod Stages, in the order kwok should consider them."""
    alive = _expr(".metadata.deletionTimestamp", "DoesNotExist")
    ready_node = [
        _expr(".status.phase", "In", "Running"),
        _expr(_READY_EXPR, "In", "True"),
    ]
    return [
        _stage(
            "node-initialize",
            "Node",
            [_expr(_READY_EXPR, "NotIn", "True")],
            {"statusTemplate": _NODE_INITIALIZE},
        ),
        _stage(
            "node-heartbeat",
            "Node",
            ready_node,
            {"statusTemplate": _NODE_CONDITIONS},
            delay={"durationMilliseconds": 20000, "jitterDurationMilliseconds": 25000},
            immediateNextStage=True,
        ),
        _stage(
            "pod-ready",
            "Pod",
            [alive, _expr(".status.phase", "In", "Pending"), _expr(_UNREADY_EXPR, "NotIn", "true")],
            {"statusTemplate": _pod_running(ready=True)},
        ),
        _stage(
            "pod-unready",
            "Pod",
            [alive, _expr(".status.phase", "In", "Pending"), _expr(_UNREADY_EXPR, "In", "true")],
            {"statusTemplate": _pod_running(ready=False)},
        ),
        _stage(
            "pod-recover",
            "Pod",
            [
                alive,
                _expr(".status.phase", "In", "Running"),
                _expr(_READY_EXPR, "NotIn", "True"),
                _expr(_UNREADY_EXPR, "NotIn", "true"),
            ],
            {"statusTemplate": _pod_running(ready=True, assign_ips=False)},
        ),
        _stage(
            "pod-complete",
            "Pod",
            [
                alive,
                _expr(".status.phase", "In", "Running"),
                _expr(_READY_EXPR, "In", "True"),
                _expr(".metadata.ownerReferences.[].kind", "In", "Job"),
            ],
            {"statusTemplate": _POD_COMPLETE},
        ),
        _stage(
            "pod-delete",
            "Pod",
            [_expr(".metadata.deletionTimestamp", "Exists")],
            {"delete": True},
        ),
    ]


def pod_cidr(generation: int) -> str:
    """Return the pod CIDR kwok allocates from during the `generation`-th start of a sandbox.

    kwok forgets which pod IPs it handed out when it restarts, and pods that already run are not
    re-read; a fresh /16 per start keeps the addresses of surviving pods from being reused.
    """
    return f"10.{64 + generation % POD_CIDR_GENERATIONS}.0.0/16"


def configuration(generation: int = 0) -> dict[str, Any]:
    """Return the KwokConfiguration: manage only nodes annotated as fake, no extra server port."""
    return {
        "apiVersion": "config.kwok.x-k8s.io/v1alpha1",
        "kind": "KwokConfiguration",
        "options": {
            "cidr": pod_cidr(generation),
            "nodeIP": NODE_IP,
            "manageAllNodes": False,
            "manageNodesWithAnnotationSelector": f"{FAKE_NODE_ANNOTATION}=fake",
            "nodeLeaseDurationSeconds": 40,
            # A --config file is not defaulted: the parallelism options must be spelled out.
            "nodeLeaseParallelism": 4,
            "podPlayStageParallelism": 4,
            "nodePlayStageParallelism": 4,
            "podsOnNodeSyncParallelism": 1,
            "enablePodsOnNodeSyncListPager": True,
            "enablePodsOnNodeSyncStreamWatch": False,
            "enableProfilingHandler": False,
            "enableDebuggingHandlers": False,
        },
    }


def render(generation: int = 0) -> str:
    """Return the kwok `--config` file: the configuration and every Stage, as YAML documents."""
    docs = [configuration(generation), *stages()]
    for doc in docs[1:]:
        nxt = doc["spec"]["next"]
        if "statusTemplate" in nxt:  # block style keeps the templates readable in the file
            nxt["statusTemplate"] = LiteralScalarString(nxt["statusTemplate"])
    yaml = YAML()  # dumping only; nothing here is ever loaded with this instance
    yaml.width = 200
    out = io.StringIO()
    yaml.dump_all(docs, out)
    return out.getvalue()
