"""The images phase of `--cache-images`: pull every image before the rollout needs it.

One step lists the images of every rendered release (containers, init and ephemeral containers);
then, per namespace, a short-lived DaemonSet whose init containers use those images makes each node
pull them, and is removed once Ready. Rollouts then start from warm nodes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from unideploy.engines.kube.apply import delete_object, server_side_apply
from unideploy.engines.kube.client import KubeReader
from unideploy.engines.kube.wait import wait_ready
from unideploy.execute.phases.context import PipelineContext
from unideploy.execute.phases.helm_release import render_release
from unideploy.execute.result import Status
from unideploy.execute.step import Outcome, Phase, Step, StepContext

PHASE = "images"
PREPULL_NAME = "unideploy-prepull"
PAUSE_IMAGE = "registry.k8s.io/pause:3.10"
PREPULL_TIMEOUT_S = 600


def images_of(manifest: Mapping[str, Any]) -> Iterator[str]:
    """Every image a rendered object runs (pod templates, CronJob job templates, bare Pods)."""
    spec = manifest.get("spec") or {}
    if manifest.get("kind") == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template", {}).get("spec")
    elif manifest.get("kind") != "Pod":
        spec = (spec.get("template") or {}).get("spec") if isinstance(spec, Mapping) else None
    if not isinstance(spec, Mapping):
        return
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            image = container.get("image") if isinstance(container, Mapping) else None
            if image:
                yield str(image)


def prepull_daemonset(namespace: str, images: list[str]) -> dict[str, Any]:
    """The DaemonSet whose init containers pull `images` on every node, then idles."""
    labels = {"app.kubernetes.io/name": PREPULL_NAME, "app.kubernetes.io/managed-by": "unideploy"}
    init = [
        {
            "name": f"pull-{index}",
            "image": image,
            "command": ["true"],
            "imagePullPolicy": "IfNotPresent",
            "resources": {"requests": {"cpu": "1m", "memory": "8Mi"}},
        }
        for index, image in enumerate(images)
    ]
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": PREPULL_NAME, "namespace": namespace, "labels": labels},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "initContainers": init,
                    "containers": [{"name": "idle", "image": PAUSE_IMAGE}],
                    "automountServiceAccountToken": False,
                    "terminationGracePeriodSeconds": 0,
                },
            },
        },
    }


def images_phase(ctx: PipelineContext, ensure_outputs: Callable[[], None]) -> Phase:
    """Collect the images, then (unless a dry run) one pre-pull step per release namespace."""
    found: dict[str, list[str]] = {}

    def collect(step: StepContext) -> Outcome:
        ensure_outputs()
        for planned in ctx.plan.releases:
            _, _, rendered = render_release(ctx, ctx.stack.release(planned.key))
            for manifest in (*rendered.manifests, *rendered.hooks):
                for image in images_of(manifest):
                    if image not in found.setdefault(planned.namespace, []):
                        found[planned.namespace].append(image)
        every = sorted({image for images in found.values() for image in images})
        return Outcome(Status.SUCCEEDED, f"{len(every)} image(s)", {"images": every})

    steps = [Step(id=f"{PHASE}/collect", action=collect)]
    if ctx.dry_run:
        return Phase(PHASE, tuple(steps))
    for namespace in sorted({r.namespace for r in ctx.plan.releases}):
        steps.append(
            Step(
                id=f"{PHASE}/{namespace}",
                action=_prepull(ctx, namespace, found),
                needs=("collect",),
            )
        )
    return Phase(PHASE, tuple(steps))


def _prepull(
    ctx: PipelineContext, namespace: str, found: Mapping[str, list[str]]
) -> Callable[[StepContext], Outcome]:
    def action(step: StepContext) -> Outcome:
        images = list(found.get(namespace, []))
        if not images:
            return Outcome(Status.SKIPPED, "no images in this namespace")
        api = ctx.kube()
        namespace_object = {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": namespace},
        }
        server_side_apply(api, namespace_object, namespace=None, dry_run=False)
        daemonset = prepull_daemonset(namespace, images)
        answer = server_side_apply(api, daemonset, namespace=namespace, dry_run=False, force=True)
        if answer.obj is None:
            return Outcome(Status.FAILED, f"pre-pull DaemonSet refused: {answer.reason}")
        try:
            ready = wait_ready(
                KubeReader(api),
                [daemonset],
                namespace=namespace,
                timeout_s=PREPULL_TIMEOUT_S,
                cancel=step.cancel,
                progress=step.progress,
            )
        finally:
            _remove(api, namespace)
        if not ready.ready:
            return Outcome(Status.WARNED, f"images not all pulled: {ready.summary()}")
        return Outcome(Status.SUCCEEDED, f"{len(images)} image(s) pulled", {"images": images})

    return action


def _remove(api: Any, namespace: str, timeout_s: float = 60.0) -> None:
    """Delete the pre-pull DaemonSet and wait until it (and its pods, foreground) are gone."""
    delete_object(api, "apps/v1", "DaemonSet", namespace, PREPULL_NAME)
    reader = KubeReader(api)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if reader.get("apps/v1", "DaemonSet", namespace, PREPULL_NAME) is None:
            return
        time.sleep(0.5)
