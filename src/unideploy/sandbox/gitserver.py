"""git-server: the sandbox's git repository over smart HTTP, for Flux's source-controller.

`python -m unideploy.sandbox.gitserver --repository DIR --port N --ready FILE`, started by
`sandbox.flux` inside the sandbox network namespace (`sandbox up --gitops flux`), serves the bare
repository DIR at http://127.0.0.1:N/<name of DIR> with dulwich's WSGI git server (the protocol is
dulwich's, not ours). Pushes reach the repository by its path on disk (the state directory is
shared with the host), so the server opens it afresh for every request and sees them at once.
"""

from __future__ import annotations

import argparse
import logging
import socketserver
import sys
from pathlib import Path

from dulwich.errors import NotGitRepository
from dulwich.repo import Repo
from dulwich.server import Backend, BackendRepo, UploadPackHandler
from dulwich.web import (
    WSGIRequestHandlerLogger,
    WSGIServerLogger,
    make_server,
    make_wsgi_chain,
)


class OneRepository(Backend):
    """A backend serving one bare repository at `/<its directory name>`."""

    def __init__(self, path: Path) -> None:
        """Serve the repository at `path`."""
        self.path = path
        self.url_path = "/" + path.name

    def open_repository(self, path: str | bytes) -> BackendRepo:
        """Open the repository afresh (refs and packs pushed since are seen), or refuse."""
        # dulwich passes the URL path as str to some handlers and as bytes to others.
        text = path.decode("utf-8", errors="replace") if isinstance(path, bytes) else path
        if text.rstrip("/") != self.url_path:
            raise NotGitRepository(f"no repository at {text}; this server has {self.url_path}")
        repo: BackendRepo = Repo(str(self.path))
        return repo


class LenientUploadPack(UploadPackHandler):
    """dulwich's upload-pack, minus its demand that clients announce thin-pack and ofs-delta.

    go-git, the git client of source-controller, announces neither and is refused by the stock
    handler ("Client does not support required capability thin-pack"). Nothing it receives needs
    them: dulwich's upload-pack reuses a stored delta only when its base is in the same pack
    (`dulwich.pack.find_reusable_deltas`, no other haves given), so a pack is never thin, and it
    writes reused deltas as ref-deltas. Side-band is used when the client asks for it.
    """

    @classmethod
    def required_capabilities(cls) -> tuple[bytes, ...]:
        """Nothing beyond the base protocol."""
        return ()


class _ThreadingServer(socketserver.ThreadingMixIn, WSGIServerLogger):
    """One thread per request, so a slow fetch never holds up a readiness probe."""

    daemon_threads = True


def main(argv: list[str] | None = None) -> int:
    """Serve until stopped; write `--ready` once listening."""
    parser = argparse.ArgumentParser(prog="unideploy-sandbox-git-server")
    parser.add_argument("--repository", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ready", type=Path, required=True)
    args = parser.parse_args(argv)
    # One line per request (and any error's traceback) in the component's log.
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    backend = OneRepository(args.repository.resolve())
    server = make_server(
        "127.0.0.1",
        args.port,
        make_wsgi_chain(backend, handlers={b"git-upload-pack": LenientUploadPack}),
        handler_class=WSGIRequestHandlerLogger,
        server_class=_ThreadingServer,
    )
    print(f"serving {backend.path} at http://127.0.0.1:{args.port}{backend.url_path}", flush=True)
    args.ready.write_text("listening\n", encoding="utf-8")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
