"""Start, stop and inspect the sandbox: etcd, kube-apiserver, controller-manager, scheduler, kwok.

`Sandbox(state_dir).up()` returns once /readyz answers and a fake node is Ready; `down()` leaves no
process and no port behind; `status()` reports what runs (sandbox.readout). Processes start
through sandbox.launcher (engines.process) and outlive the command that started them; state.json
remembers them. The files written before a start are sandbox.configs'.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

from unideploy.errors import EngineError
from unideploy.sandbox import (
    audit,
    components,
    flux,
    localpath,
    netns,
    nodes,
    ports,
    state,
)
from unideploy.sandbox.api import ApiClient
from unideploy.sandbox.configs import write_configs
from unideploy.sandbox.launcher import Launcher, PortTakenError
from unideploy.sandbox.nodes import NodeOptions
from unideploy.sandbox.readout import read_status
from unideploy.sandbox.state import default_state_dir
from unideploy.sandbox.status import SandboxStatus
from unideploy.sandbox.tools import (
    CONTROL_PLANE_TOOLS,
    ToolNotFoundError,
    find_tools,
    kubernetes_version,
)
from unideploy.sandbox.webhook_log import WEBHOOK_MODES, WEBHOOKS_SIMULATE

STOP_TIMEOUT = 10.0


class Sandbox:
    """A local control plane rooted at one state directory."""

    def __init__(
        self,
        state_dir: Path | None = None,
        *,
        nodes: int = 1,
        webhooks: str = WEBHOOKS_SIMULATE,
        node_options: NodeOptions | None = None,
        audit_log: bool = False,
        gitops: str | None = None,
    ) -> None:
        """Bind to `state_dir` (default: see default_state_dir); nothing starts until `up`.

        `webhooks` is "simulate" (a local stand-in admits every call, unchanged) or "fail" (calls
        fail fast, as in a cluster whose webhook servers are down); it applies at the next start.
        With `audit_log`, kube-apiserver writes its audit log to `layout.audit_log` (sandbox.audit).
        With `gitops="flux"`, Flux's controllers and a git server run too (sandbox.flux).
        """
        if webhooks not in WEBHOOK_MODES:
            raise EngineError(
                f"unknown webhooks mode {webhooks!r}", hint=f"use one of {', '.join(WEBHOOK_MODES)}"
            )
        self.layout = components.Layout((state_dir or default_state_dir()).resolve())
        self.nodes = max(1, nodes)
        self.webhooks = webhooks
        self.node_options = node_options or NodeOptions()
        self.audit_log = audit_log
        if gitops is not None and gitops not in flux.GITOPS_FLAVORS:
            raise EngineError(f"unknown gitops flavor {gitops!r}", hint="use flux")
        self.gitops = gitops
        self.timings: dict[str, float] = {}  # seconds from the start of the last `up`
        self._lock_depth = 0

    @property
    def kubeconfig(self) -> Path:
        """The admin kubeconfig path (stable for a given state dir; exists after `up`)."""
        return self.layout.kubeconfig

    # ---- up -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _exclusive(self) -> Iterator[None]:
        """Hold the state dir's lock (re-entrant within this object) so two `up`s never race."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        with state.locked(self.layout.root):
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0

    def up(self, timeout: float = 90.0) -> SandboxStatus:
        """Start every component (or keep a healthy running sandbox) and wait until usable."""
        with self._exclusive():
            try:
                return self._up(timeout)
            except PortTakenError:
                return self._up(timeout)  # another program took a chosen port: pick new ones

    def _up(self, timeout: float) -> SandboxStatus:
        current = self.status()
        if current.running:
            return current
        if current.components:
            self.down()  # a half-dead sandbox: clear it before starting afresh
        binaries = self._binaries()
        if self.gitops:
            binaries.update(flux.binaries())
        layout = self.layout
        for directory in (layout.root, layout.logs, layout.etcd_data):
            directory.mkdir(parents=True, exist_ok=True)
        os.chmod(layout.root, 0o700)
        from unideploy.sandbox import pki  # cryptography: only when certificates are made

        certs = pki.ensure(layout.pki.root)
        host_port = ports.port_for(_last_port(layout.port_file))
        server = f"https://127.0.0.1:{host_port}"
        write_configs(layout, certs, server, audit_log=self.audit_log)
        record = state.SandboxState(
            state_dir=str(layout.root),
            server=server,
            kubeconfig=str(layout.kubeconfig),
            kubernetes_version=kubernetes_version(),
            started_at=time.time(),
            ports={"bridge": host_port, "kube-apiserver": host_port},
            webhooks=self.webhooks,
            audit_log=str(layout.audit_log) if self.audit_log else "",
            gitops=flux.describe(layout) if self.gitops else {},
        )
        launch = Launcher(layout, record)
        self.timings = launch.timings
        deadline = time.monotonic() + timeout
        for marker in (layout.netns_ready, layout.controllers_ready):
            marker.unlink(missing_ok=True)
        try:
            launch.start("bridge", components.bridge(host_port, layout))
            launch.wait("bridge", "network namespace", deadline, layout.netns_ready.exists)
            bridge_pid = launch.pid("bridge")
            inside = netns.ns_path(bridge_pid)
            as_user = layout.netns_ready.read_text(encoding="ascii").split()[-1] == "user"
            user_ns = netns.ns_path(bridge_pid, "user") if as_user else None

            def wrap(argv: list[str]) -> list[str]:
                return components.in_namespace(binaries["nsenter"], inside, argv, user_ns)

            def start_inside(name: str) -> None:
                argv = components.BUILDERS[name](binaries[name], layout, components.INNER_PORTS)
                env = None
                if name == "kube-apiserver":
                    if self.audit_log:
                        argv += audit.flags(layout.audit_log, layout.audit_policy)
                    # Webhook calls with no caBundle trust the sandbox CA, whose leaf certificates
                    # the stand-in in sandbox-controllers presents (see docs/sandbox.md).
                    env = {**os.environ, "SSL_CERT_FILE": str(layout.pki.ca_cert)}
                launch.start(name, wrap(argv), env)

            start_inside("etcd")
            start_inside("kube-apiserver")
            api = ApiClient(
                host_port, certs.ca_cert, certs.client_cert("admin"), certs.client_key("admin")
            )
            launch.wait("kube-apiserver", "apiserver /readyz", deadline, api.ready)
            # Before any claim is created, so the default class is there to be given to it.
            localpath.ensure_storage_class(api)
            for name in ("kube-controller-manager", "kube-scheduler"):
                start_inside(name)
            record.nodes = nodes.names(self.nodes)
            since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            nodes.register(api, record.nodes, self.node_options)
            start_inside("kwok")
            controllers = components.sandbox_controllers(layout, self.webhooks)
            launch.start(
                "sandbox-controllers",
                components.in_namespace(binaries["nsenter"], inside, controllers, user_ns),
            )
            launch.wait(
                "kwok", "nodes Ready", deadline, lambda: nodes.all_ready(api, record.nodes, since)
            )
            launch.wait(
                "sandbox-controllers",
                "webhook stand-in listening",
                deadline,
                layout.controllers_ready.exists,
            )
            launch.wait(
                "kube-controller-manager",
                "default ServiceAccount",
                deadline,
                lambda: api.get("/api/v1/namespaces/default/serviceaccounts/default").status == 200,
            )
            if self.gitops:
                flux.start(
                    layout,
                    api,
                    binaries,
                    lambda name, argv, env: launch.start(name, wrap(argv), env),
                    wrap,
                    lambda name, step, check: launch.wait(name, step, deadline, check),
                    lambda: deadline - time.monotonic(),
                )
        except BaseException:
            self.down()
            raise
        layout.port_file.write_text(f"{host_port}\n", encoding="ascii")
        return self.status()

    def _binaries(self) -> dict[str, Path]:
        found = find_tools(CONTROL_PLANE_TOOLS, "sandbox tools are")
        nsenter = shutil.which("nsenter")
        if nsenter is None:
            raise ToolNotFoundError(
                "nsenter is not installed: the sandbox runs its components in a network "
                "namespace of its own",
                hint="install util-linux (Debian: apt-get install util-linux)",
            )
        found["nsenter"] = Path(nsenter)
        return found

    # ---- down -----------------------------------------------------------------------------
    def down(self, *, purge: bool = False) -> list[str]:
        """Stop every component (newest first) and free their ports; return the names stopped.

        With `purge`, also delete the state directory (certificates, etcd data, logs).
        """
        if not self.layout.root.exists():
            return []
        with self._exclusive():
            return self._down(purge)

    def _down(self, purge: bool) -> list[str]:
        record = state.load(self.layout.state_file)
        stopped: list[str] = []
        if record is not None:
            for proc in reversed(record.processes):
                if state.stop(proc, STOP_TIMEOUT):
                    stopped.append(proc.name)
            # Only ports of processes we stopped: one that never started never bound its port.
            ours = [
                port
                for key, port in record.ports.items()
                if any(key == name or key.startswith(f"{name}-") for name in stopped)
            ]
            still = ports.wait_closed(ours, timeout=5.0)
            if still:
                raise EngineError(
                    f"sandbox stopped but ports {still} still listen",
                    hint="another program may have taken them; check with `ss -ltnp`",
                )
            self.layout.state_file.unlink(missing_ok=True)
        if purge and self.layout.root.exists():
            shutil.rmtree(self.layout.root)
        return stopped

    # ---- status ---------------------------------------------------------------------------
    def status(self) -> SandboxStatus:
        """Report what runs: each component's pid and liveness, API readiness, kubeconfig."""
        return read_status(self.layout, self.kubeconfig)


def _last_port(port_file: Path) -> int | None:
    """The port the sandbox last came up on (None when it never did, or the file is unreadable)."""
    try:
        return int(port_file.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return None
