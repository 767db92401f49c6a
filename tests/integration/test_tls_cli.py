"""`unideploy security tls|certs` against live TLS servers on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.checks.tlskit import make_ca, make_leaf, server_context, tls_server

from unideploy.cli.main import main
from unideploy.exitcodes import ExitCode

pytestmark = [
    pytest.mark.clock,
    pytest.mark.filterwarnings("ignore::cryptography.utils.CryptographyDeprecationWarning"),
]
INTERMEDIATE = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384"


def test_tls_and_certs_commands(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    ca = make_ca(tmp_path)
    good = make_leaf(tmp_path, "good", ca=ca)
    wrong = make_leaf(tmp_path, "wrong", ca=ca, dns=("other.example",), ips=(), days_left=6.5)
    with (
        tls_server(server_context(good, ciphers=INTERMEDIATE), hsts="max-age=63072000") as ok,
        tls_server(server_context(wrong, ciphers=INTERMEDIATE), hsts="max-age=63072000") as bad,
    ):
        base = ["security", "tls", "--servername", "localhost", "--ca-file", str(ca.cert_path)]
        code = main([*base, "--endpoint", f"127.0.0.1:{ok}", "-o", "json"])
        doc = json.loads(capsys.readouterr().out)
        assert code == ExitCode.OK
        (endpoint,) = doc["endpoints"]
        assert endpoint["ok"] is True
        assert endpoint["certificate"]["trusted"] is True

        code = main([*base, "--endpoint", f"127.0.0.1:{bad}"])
        text = capsys.readouterr().out
        assert code == ExitCode.FAILED
        assert "UD-TLS-004 certificate is not issued for localhost" in text

        code = main([*base, "--endpoint", f"127.0.0.1:{ok}", "--profile", "modern"])
        assert code == ExitCode.OK  # TLS 1.2 accepted is medium; the default threshold is high
        assert "UD-TLS-001" in capsys.readouterr().out

        code = main([*base, "--endpoint", f"127.0.0.1:{ok}", "-e", "production", "-o", "json"])
        (endpoint,) = json.loads(capsys.readouterr().out)["endpoints"]
        assert endpoint["profile"] == "modern"
        assert code == ExitCode.OK

        code = main(
            ["security", "certs", "-E", f"127.0.0.1:{ok}", "-E", f"127.0.0.1:{bad}", "-o", "json"]
        )
        certs = json.loads(capsys.readouterr().out)["certificates"]
        assert code == ExitCode.FAILED
        assert [c["status"] for c in certs] == ["ok", "critical"]
