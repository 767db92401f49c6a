"""`python -m tests.support.render_json STACK ENV`: the objects unideploy renders for ENV, as JSON
([{"namespace", "name", "manifests"}] in deployment order) - `service.render.render_stack` in a
process of its own, for tests that must render inside a network namespace (charts served there).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from unideploy.config.load import load_stack
from unideploy.service.render import render_stack


def main(argv: list[str]) -> None:
    stack, environment = argv
    rendered = render_stack(load_stack(Path(stack)), environment)
    releases = [
        {"namespace": r.namespace, "name": r.name, "manifests": list(r.manifests)} for r in rendered
    ]
    print(json.dumps(releases))


if __name__ == "__main__":
    main(sys.argv[1:])
