"""Start, stop and inspect the sandbox: etcd, kube-apiserver, controller-manager, scheduler, kwok.

`Sandbox(state_dir).up()` returns once /readyz answers and a fake node is Ready; `down()` leaves no
process and no port behind; `status()` reports what runs. Processes start through engines.process
and outlive the command that started them; state.json remembers them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Protocol

from unideploy.engines import process
from unideploy.errors import EngineError
from unideploy.sandbox import components, kubeconfig, kwokconfig, nodes, pki, ports, state
from unideploy.sandbox.api import ApiClient, http_health
from unideploy.sandbox.state import default_state_dir
from unideploy.sandbox.status import ComponentStatus, SandboxStatus
from unideploy.sandbox.tools import (
    CONTROL_PLANE_TOOLS,
    INSTALL_HINT,
    ToolNotFoundError,
    find_tool,
    kubernetes_version,
    tool_path,
)

STOP_TIMEOUT = 10.0


class _PortTakenError(EngineError):
    """A component could not bind the free port chosen for it moments earlier."""


class _Handle(Protocol):
    """The part of a started process `core` uses (engines.process.spawn returns one)."""

    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...


def _log_tail(path: Path, lines: int = 8) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:])


class Sandbox:
    """A local control plane rooted at one state directory."""

    def __init__(self, state_dir: Path | None = None, *, nodes: int = 1) -> None:
        """Bind to `state_dir` (default: see default_state_dir); nothing starts until `up`."""
        self.layout = components.Layout((state_dir or default_state_dir()).resolve())
        self.nodes = max(1, nodes)
        self._procs: dict[str, _Handle] = {}
        self.timings: dict[str, float] = {}  # seconds from the start of the last `up`
        self._t0 = 0.0
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
            except _PortTakenError:
                return self._up(timeout)  # another program took a chosen port: pick new ones

    def _up(self, timeout: float) -> SandboxStatus:
        current = self.status()
        if current.running:
            return current
        if current.components:
            self.down()  # a half-dead sandbox: clear it before starting afresh
        binaries = self._binaries()
        layout = self.layout
        for directory in (layout.root, layout.logs, layout.etcd_data):
            directory.mkdir(parents=True, exist_ok=True)
        os.chmod(layout.root, 0o700)
        certs = pki.ensure(layout.pki.root)
        p = components.Ports(*ports.free_ports(5))
        server = f"https://127.0.0.1:{p.apiserver}"
        self._write_configs(certs, server)
        record = state.SandboxState(
            state_dir=str(layout.root),
            server=server,
            kubeconfig=str(layout.kubeconfig),
            kubernetes_version=kubernetes_version(),
            started_at=time.time(),
            ports=p.as_dict(),
        )
        self._t0 = time.monotonic()
        self.timings = {}
        deadline = self._t0 + timeout
        try:
            self._start("etcd", binaries, p, record)
            self._wait("etcd", "etcd healthy", deadline, lambda: http_health(p.etcd_client))
            self._start("kube-apiserver", binaries, p, record)
            api = ApiClient(
                p.apiserver, certs.ca_cert, certs.client_cert("admin"), certs.client_key("admin")
            )
            self._wait("kube-apiserver", "apiserver /readyz", deadline, api.ready)
            for name in ("kube-controller-manager", "kube-scheduler"):
                self._start(name, binaries, p, record)
            record.nodes = nodes.names(self.nodes)
            since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
            nodes.register(api, record.nodes)
            self._start("kwok", binaries, p, record)
            self._wait(
                "kwok", "nodes Ready", deadline, lambda: nodes.all_ready(api, record.nodes, since)
            )
            self._wait(
                "kube-controller-manager",
                "default ServiceAccount",
                deadline,
                lambda: api.get("/api/v1/namespaces/default/serviceaccounts/default").status == 200,
            )
        except BaseException:
            self.down()
            raise
        return self.status()

    def _binaries(self) -> dict[str, Path]:
        found: dict[str, Path] = {}
        missing: list[str] = []
        for name in CONTROL_PLANE_TOOLS:
            try:
                found[name] = find_tool(name)
            except ToolNotFoundError:
                missing.append(f"{name} ({tool_path(name)})")
        if missing:
            raise ToolNotFoundError(
                "sandbox tools are not installed: " + ", ".join(missing), hint=INSTALL_HINT
            )
        return found

    def _write_configs(self, certs: pki.Pki, server: str) -> None:
        layout = self.layout
        generation = self._next_generation()
        layout.kwok_config.write_text(kwokconfig.render(generation), encoding="utf-8")
        for who in pki.CLIENTS:
            doc = kubeconfig.build(
                server, certs.ca_cert, certs.client_cert(who), certs.client_key(who), who
            )
            kubeconfig.write(layout.component_kubeconfig(who), doc)
        admin = kubeconfig.build(
            server,
            certs.ca_cert,
            certs.client_cert("admin"),
            certs.client_key("admin"),
            "unideploy-sandbox-admin",
        )
        kubeconfig.write(layout.kubeconfig, admin)

    def _next_generation(self) -> int:
        """Count starts of this state dir (kept across `down`), for kwok's pod CIDR."""
        path = self.layout.root / "generation"
        try:
            current = int(path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            current = -1
        path.write_text(f"{current + 1}\n", encoding="utf-8")
        return current + 1

    def _start(
        self, name: str, binaries: dict[str, Path], p: components.Ports, record: state.SandboxState
    ) -> None:
        argv = components.BUILDERS[name](binaries[name], self.layout, p)
        log_path = self.layout.log(name)
        with log_path.open("ab") as log:
            log.write(f"\n==== unideploy sandbox: starting {name} at {time.ctime()}\n".encode())
            log.flush()
            proc = process.spawn(argv, log=log, cwd=self.layout.root)
        self._procs[name] = proc
        ticks = state.start_ticks(proc.pid)
        record.processes.append(
            state.ProcessRecord(name, proc.pid, ticks or 0, tuple(argv), str(log_path))
        )
        state.save(self.layout.state_file, record)

    def _wait(self, name: str, step: str, deadline: float, check: Callable[[], bool]) -> None:
        """Poll `check` until true; fail early if any started component exits, or at `deadline`."""
        while time.monotonic() < deadline:
            for started, proc in self._procs.items():
                if proc.poll() is not None:
                    tail = _log_tail(self.layout.log(started))
                    error = _PortTakenError if "address already in use" in tail else EngineError
                    raise error(
                        f"sandbox {started} exited with code {proc.returncode}: {tail}",
                        hint=f"see {self.layout.log(started)}",
                    )
            try:
                if check():
                    self.timings[step] = round(time.monotonic() - self._t0, 3)
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise EngineError(
            f"sandbox {name} not ready in time (waiting for: {step}): "
            + _log_tail(self.layout.log(name)),
            hint=f"see {self.layout.log(name)}; on a busy machine, retry `unideploy sandbox up`",
            retryable=True,
        )

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
        self._procs.clear()
        if purge and self.layout.root.exists():
            shutil.rmtree(self.layout.root)
        return stopped

    # ---- status ---------------------------------------------------------------------------
    def status(self) -> SandboxStatus:
        """Report what runs: each component's pid and liveness, API readiness, kubeconfig."""
        record = state.load(self.layout.state_file)
        if record is None:
            return SandboxStatus(state_dir=str(self.layout.root), kubeconfig=str(self.kubeconfig))
        comps = tuple(
            ComponentStatus(
                name=p.name,
                pid=p.pid,
                running=state.alive(p),
                port=record.ports.get(p.name, record.ports.get(f"{p.name}-client")),
                log=p.log,
            )
            for p in record.processes
        )
        all_up = len(comps) == len(components.ORDER) and all(c.running for c in comps)
        api_ready = False
        if all_up:
            certs = self.layout.pki
            api = ApiClient(
                record.ports["kube-apiserver"],
                certs.ca_cert,
                certs.client_cert("admin"),
                certs.client_key("admin"),
            )
            api_ready = api.ready()
        return SandboxStatus(
            state_dir=record.state_dir,
            kubeconfig=record.kubeconfig,
            server=record.server,
            kubernetes_version=record.kubernetes_version,
            running=all_up and api_ready,
            api_ready=api_ready,
            started_at=record.started_at,
            components=comps,
            nodes=tuple(record.nodes),
        )
