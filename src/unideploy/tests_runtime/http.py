"""HTTP tests: send one request and judge the response (status, body, JSON paths, headers, latency).

Targets: a URL (urllib, with the case's TLS settings), or a Service through the API server's
service proxy or an API server path (the kubernetes client, with its credentials). Perf uses `send`.
"""

from __future__ import annotations

import base64
import functools
import json
import re
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from unideploy.config.tests_cases import Expect, HttpTest, PerfTest
from unideploy.tests_runtime.base import TestEnv, Verdict

BODY_SHOWN = 200


@dataclass(frozen=True)
class Response:
    """What came back: status, headers (lower-cased names), body and wall time."""

    status: int
    headers: Mapping[str, str]
    body: bytes
    elapsed_ms: float

    @property
    def text(self) -> str:
        """The body as text (undecodable bytes replaced)."""
        return self.body.decode("utf-8", errors="replace")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def describe(case: HttpTest | PerfTest) -> str:
    """The target as shown in reports."""
    if case.url is not None:
        return f"{case.method} {shown_url(case.url)}"
    if case.service is not None:
        svc = case.service
        return f"{case.method} service {svc.namespace}/{svc.name}:{svc.port}{case.path}"
    return f"{case.method} api-server {case.api_path}"


def shown_url(url: str) -> str:
    """The URL without credentials (user:password@ is replaced by ***@)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    return urlunsplit(parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[-1]))


def send(case: HttpTest | PerfTest, env: TestEnv, timeout: float) -> Response:
    """Send the case's request once; OSError (connection refused, TLS, timeout) when none came."""
    if case.url is not None:
        return _send_url(case, env, case.url, timeout)
    if case.service is not None:
        svc = case.service
        name = quote(f"{svc.scheme}:{svc.name}:{svc.port}", safe=":")
        path = f"/api/v1/namespaces/{svc.namespace}/services/{name}/proxy{case.path}"
        return _send_kube(case, env, path, timeout)
    return _send_kube(case, env, str(case.api_path), timeout)


def _ssl_context(case: HttpTest | PerfTest, env: TestEnv) -> ssl.SSLContext:
    cafile = str(env.path(case.tls.ca_bundle)) if case.tls.ca_bundle else None
    return _context(case.tls.verify, cafile)


@functools.lru_cache(maxsize=32)
def _context(verify: bool, cafile: str | None) -> ssl.SSLContext:
    """One context per setting: loading the trust store per request would skew perf timings."""
    if not verify:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    return ssl.create_default_context(cafile=cafile)


def _send_url(case: HttpTest | PerfTest, env: TestEnv, url: str, timeout: float) -> Response:
    data = case.body.encode() if case.body is not None else None
    headers = dict(case.headers)
    parts = urlsplit(url)
    if parts.username is not None:  # user:password@ becomes basic auth, never part of the URL
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        headers.setdefault("Authorization", "Basic " + base64.b64encode(pair.encode()).decode())
        url = urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[-1]))
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked by the model (http/https)
        url, data=data, headers=headers, method=case.method
    )
    opener = urllib.request.build_opener(
        urllib.request.HTTPSHandler(context=_ssl_context(case, env)), _NoRedirect()
    )
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=timeout) as reply:
            body = reply.read()
            status, got = reply.status, reply.headers
    except urllib.error.HTTPError as error:
        body = error.read()
        status, got = error.code, error.headers
    except urllib.error.URLError as error:
        reason = error.reason
        raise OSError(
            str(reason) if not isinstance(reason, OSError) else _os_text(reason)
        ) from error
    elapsed = (time.perf_counter() - started) * 1000
    return Response(status, {k.lower(): v for k, v in got.items()}, body, elapsed)


def _os_text(error: OSError) -> str:
    if isinstance(error, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted: {error.verify_message}"
    return error.strerror or str(error) or type(error).__name__


def _send_kube(case: HttpTest | PerfTest, env: TestEnv, path: str, timeout: float) -> Response:
    client = env.client()
    headers = {"Accept": "*/*", **case.headers}
    method, url, hdrs, body, post = client.param_serialize(
        method=case.method,
        resource_path=path.split("?", 1)[0],
        query_params=_query(path),
        header_params=headers,
        body=case.body,
        auth_settings=["BearerToken"],
    )
    started = time.perf_counter()
    try:
        reply = client.call_api(method, url, hdrs, body, post, _request_timeout=timeout)
        raw = reply.read()
    except Exception as exc:  # urllib3 and client errors: no response came
        raise OSError(
            f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
    elapsed = (time.perf_counter() - started) * 1000
    got = {str(k).lower(): str(v) for k, v in (reply.headers or {}).items()}
    return Response(int(reply.status), got, raw if isinstance(raw, bytes) else bytes(raw), elapsed)


def _query(path: str) -> list[tuple[str, str]] | None:
    if "?" not in path:
        return None
    pairs = []
    for part in path.split("?", 1)[1].split("&"):
        key, _, value = part.partition("=")
        pairs.append((key, value))
    return pairs


def judge(response: Response, expect: Expect) -> list[str]:
    """Every way `response` misses `expect` (empty when it meets it)."""
    problems: list[str] = []
    if response.status not in expect.statuses:
        wanted = " or ".join(str(s) for s in expect.statuses)
        snippet = response.text.strip().replace("\n", " ")[:BODY_SHOWN]
        problems.append(
            f"status {response.status}, expected {wanted}" + (f": {snippet}" if snippet else "")
        )
    text = response.text
    for needle in expect.body_contains:
        if needle not in text:
            problems.append(f"body does not contain {needle!r}")
    if expect.body_regex is not None and not re.search(expect.body_regex, text):
        problems.append(f"body does not match /{expect.body_regex}/")
    if expect.json_equals:
        problems += _json_problems(text, expect.json_equals)
    for name, needle in expect.headers.items():
        value = response.headers.get(name.lower())
        if value is None:
            problems.append(f"header {name} is missing")
        elif needle not in value:
            problems.append(f"header {name} is {value!r}, expected it to contain {needle!r}")
    if expect.max_latency_ms is not None and response.elapsed_ms > expect.max_latency_ms:
        problems.append(
            f"took {response.elapsed_ms:.0f} ms, over the {expect.max_latency_ms:.0f} ms budget"
        )
    return problems


def _json_problems(text: str, wanted: Mapping[str, Any]) -> list[str]:
    try:
        document = json.loads(text)
    except ValueError:
        return ["body is not JSON"]
    problems = []
    for path, value in wanted.items():
        found = json_path(document, path)
        if found is _MISSING:
            problems.append(f"JSON path {path} is missing")
        elif found != value:
            problems.append(f"JSON path {path} is {found!r}, expected {value!r}")
    return problems


_MISSING = object()
_PART = re.compile(r"\[(\d+)\]|\.?([A-Za-z0-9_\-]+)")


def json_path(document: Any, path: str) -> Any:
    """The value at `path` (a.b[0].c or $.a.b; a bare number indexes a list), or a sentinel."""
    current = document
    for index, key in _PART.findall(path.removeprefix("$")):
        if index or (key.isdigit() and isinstance(current, list)):
            position = int(index or key)
            if not isinstance(current, list) or position >= len(current):
                return _MISSING
            current = current[position]
        elif isinstance(current, dict) and key in current:
            current = current[key]
        else:
            return _MISSING
    return current


def http_test(case: HttpTest, env: TestEnv) -> Verdict:
    """Run one attempt of an http test."""
    response = send(case, env, case.timeout)
    problems = judge(response, case.expect)
    details = {
        "target": describe(case),
        "status": response.status,
        "latency_ms": round(response.elapsed_ms, 1),
    }
    if problems:
        return Verdict(False, "; ".join(problems), details)
    return Verdict(True, f"{response.status} in {response.elapsed_ms:.0f} ms", details)
