"""An HTTP answer as the Kubernetes client's `call_api` returns it, for fakes of our REST protocol.

The engines read `status`, `reason` and `read()` (JSON bytes) of what `ApiClient.call_api`
returns; test fakes of the API server answer with this.
"""

from __future__ import annotations

import json
from typing import Any


class JsonAnswer:
    """`status` with `body` as JSON; the reason phrase follows the status unless given."""

    def __init__(self, status: int, body: Any, reason: str | None = None) -> None:
        self.status, self.body = status, body
        self.reason = reason if reason is not None else ("OK" if status < 400 else "Error")

    def read(self) -> bytes:
        return json.dumps(self.body).encode()
