"""Nothing the sandbox starts can reach past 127.0.0.0/8: proved by construction and by watching.

By construction: every component shares one network namespace that has only `lo` and no route,
so a dial to a ClusterIP, pod, node, private or public address fails in the kernel. By watching:
while a chart with webhooks, a LoadBalancer and volumes installs, every TCP/UDP socket of that
namespace is sampled and must stay on loopback. The same check is shown to fail on a namespace
that does have somewhere to send packets (a bridge with no port: it goes nowhere either).
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from tests.integration.sandbox_cluster import Cluster, require_tools

from unideploy.engines import process
from unideploy.engines.helm.charts import ChartCache
from unideploy.engines.helm.contract import ReleaseSpec
from unideploy.engines.helm.sdk import SdkHelm
from unideploy.sandbox import netns, webhook_log
from unideploy.sandbox.components import Layout
from unideploy.sandbox.kubeconfig import CONTEXT

CHART = Path(__file__).resolve().parents[1] / "fixtures" / "helm" / "homelab-kinds"
# One address of each kind the API hands out or a chart may name: ClusterIP, pod, node,
# MetalLB-style LAN, other private ranges, the internet.
OUTSIDE = ("10.0.0.1", "10.64.0.1", "10.255.0.1", "192.168.1.240", "172.16.0.1", "1.1.1.1")


def component_pids(sandbox: Cluster) -> dict[str, int]:
    return {c.name: c.pid for c in sandbox.status.components}


@contextmanager
def watching(pid: int) -> Iterator[list[str]]:
    """Sample the sockets of `pid`'s network namespace every 20 ms; yield what left loopback."""
    seen: list[str] = []
    samples = [0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            seen.extend(netns.report(pid).outside)
            samples[0] += 1
            time.sleep(0.02)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield seen
    finally:
        stop.set()
        thread.join()
    assert samples[0] > 10, "the socket watcher did not run"


def dial_from(namespace_of: int, addresses: tuple[str, ...]) -> dict[str, int]:
    """Try TCP to each address from inside `namespace_of`'s network namespace; errno by address."""
    script = (
        "import socket, sys\n"
        "for a in sys.argv[1:]:\n"
        "    s = socket.socket()\n"
        "    s.settimeout(3)\n"
        "    print(a, s.connect_ex((a, 443)))\n"
    )
    nsenter = shutil.which("nsenter")
    assert nsenter, "nsenter (util-linux) is needed"
    argv = [nsenter, f"--net={netns.ns_path(namespace_of)}", "--", sys.executable, "-c", script]
    done = process.run([*argv, *addresses], timeout=30, check=True)
    return {line.split()[0]: int(line.split()[1]) for line in done.stdout.splitlines()}


@pytest.mark.cluster
def test_every_component_shares_one_namespace_with_only_loopback_and_no_route(
    sandbox: Cluster,
) -> None:
    pids = component_pids(sandbox)
    assert set(pids) >= {"bridge", "etcd", "kube-apiserver", "kwok", "sandbox-controllers"}
    inodes = {name: netns.ns_inode(pid) for name, pid in pids.items()}
    assert len(set(inodes.values())) == 1, inodes
    assert inodes["kube-apiserver"] != netns.ns_inode(os.getpid())

    isolation = netns.report(pids["kube-apiserver"])
    assert isolation.interfaces == ("lo",)
    assert isolation.routes == ()
    assert isolation.problems == []

    errors = dial_from(pids["kube-apiserver"], OUTSIDE)
    assert errors == dict.fromkeys(OUTSIDE, errno.ENETUNREACH)
    # Loopback itself works in there (the LoadBalancer stand-ins live in 127.240.0.0/16).
    assert dial_from(pids["kube-apiserver"], ("127.240.0.1",)) == {
        "127.240.0.1": errno.ECONNREFUSED
    }


@pytest.mark.cluster
def test_no_socket_leaves_loopback_while_a_chart_with_webhooks_and_load_balancers_installs(
    sandbox: Cluster, namespace: str, tmp_path: Path
) -> None:
    helm = SdkHelm(sandbox.kubeconfig, CONTEXT, cache=ChartCache(tmp_path / "charts"))
    layout = Layout(sandbox.kubeconfig.parent)
    spec = ReleaseSpec("homelab", namespace, str(CHART), timeout_s=120)

    with watching(component_pids(sandbox)["kube-apiserver"]) as outside:
        release = helm.upgrade(spec)
        settings = sandbox.get_json("configmap", "settings", namespace=namespace)

    assert release.status == "deployed"
    assert settings["data"] == {"mode": "homelab"}  # the mutating stand-in changed nothing
    calls = [
        c
        for c in webhook_log.read(layout.webhook_calls)
        if c.get("object") == f"{namespace}/settings"
    ]
    assert {hook for call in calls for hook in call["webhooks"]} == {
        "validating validate.homelab.example.com",
        "mutating mutate.homelab.example.com",
    }
    assert outside == []


def test_the_check_fails_for_a_namespace_with_an_interface_and_a_route(tmp_path: Path) -> None:
    """A throwaway namespace with a port-less bridge (forwards nowhere) and a 10.0.0.0/24 route."""
    if os.geteuid() != 0:
        pytest.fail("this test creates a network namespace: run it as root")
    unshare, ip = shutil.which("unshare"), shutil.which("ip")
    assert unshare and ip, "util-linux and iproute2 are needed"
    holder = process.spawn([unshare, "--net", "--", "sleep", "60"])
    try:
        deadline = time.monotonic() + 5
        while netns.ns_inode(holder.pid) == netns.ns_inode(os.getpid()):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        inside = ["nsenter", f"--net={netns.ns_path(holder.pid)}", "--", ip]
        for args in (
            ["link", "add", "d0", "type", "bridge"],
            ["addr", "add", "10.0.0.250/24", "dev", "d0"],
            ["link", "set", "d0", "up"],
        ):
            process.run([*inside, *args], timeout=10, check=True)
        broken = netns.report(holder.pid)
    finally:
        holder.kill()
        holder.wait()
    assert "interface d0" in broken.problems
    assert any(p.startswith("route d0 10.0.0.0/") for p in broken.problems), broken.problems


@pytest.mark.cluster
def test_without_cap_sys_admin_the_namespace_is_owned_by_a_user_namespace_of_its_own(
    tmp_path: Path,
) -> None:
    """What a user without root gets: the same isolation, through an unprivileged user namespace."""
    require_tools()
    setpriv = shutil.which("setpriv")
    assert setpriv, "setpriv (util-linux) is needed"
    state_dir = tmp_path / "box"
    cli = str(Path(sys.executable).parent / "unideploy")
    up = [setpriv, "--bounding-set=-sys_admin", cli, "sandbox", "up", "--state-dir", str(state_dir)]
    try:
        done = process.run([*up, "-o", "json"], timeout=180)
        assert done.returncode == 0, done.stderr
        status = json.loads(done.stdout)
        assert (status["state"], status["network_isolated"]) == ("running", True)
        pids = {c["name"]: c["pid"] for c in status["components"]}
        assert netns.ns_inode(pids["kube-apiserver"]) == netns.ns_inode(pids["bridge"])
        user_ns = os.stat(netns.ns_path(pids["kube-apiserver"], "user")).st_ino
        assert user_ns != os.stat("/proc/self/ns/user").st_ino
        assert "as user" in (state_dir / "logs" / "bridge.log").read_text()
        assert dial_from(pids["kube-apiserver"], ("10.0.0.1",)) == {"10.0.0.1": errno.ENETUNREACH}
    finally:
        process.run([cli, "sandbox", "down", "--purge", "--state-dir", str(state_dir)], timeout=60)
