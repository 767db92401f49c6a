"""libyaml under the same composer returns exactly what ruamel's pure parser returns, or defers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from unideploy.config import yamlsafe
from unideploy.errors import ConfigError

ROOT = Path(__file__).resolve().parents[3]
CORPUS = sorted(
    path
    for pattern in (
        "stack.yaml",
        "environments/**/*.yaml",
        "helm/charts/*/values*.yaml",
        "tests/fixtures/**/*.yaml",
    )
    for path in ROOT.glob(pattern)
    if path.stat().st_size < yamlsafe.MAX_FILE_BYTES
)

SNIPPETS = [
    "plain: [yes, no, on, off, y, n, true, false, True, FALSE]\n",
    "numbers: [017, 0o17, 0x1f, 1_000, -3, +4, 1.5, 1e3, .inf, -.Inf, .nan]\nsexagesimal: 1:20\n",
    "nothing: [~, null, Null, '', \"\"]\ndates: [2026-12-07]\nstamp: 2026-12-07T10:00:00Z\n",
    "quoted: ['yes', \"017\", !!str 12, !!int '7', !!float '2']\n",
    "base: &base {a: 1, b: [x, y]}\nuse: {<<: *base, b: z}\nmany: {<<: [*base], c: 3}\n",
    "folded: >\n  one\n  two\nliteral: |-\n  keep\n   this\nkeep: |+\n  end\n\n",
    "nested:\n  - a: 1\n    b:\n      - [1, {c: d}]\n  - - deep\n    - er\n",
    "'key with: colon': value\n? complex\n: answer\nunicode: \"caf\\u00e9 ✓\"\n",
    "",
    "# only a comment\n",
    "--- \nstarted: true\n...\n",
]

# YAML 1.2 allows a ':' inside a plain scalar in a flow collection; libyaml (YAML 1.1) refuses
# it, so these are read by the pure parser alone, with the same result.
PURE_ONLY = ["times: [1:20, 2026-12-07T10:00:00Z]\n", "{url: http://a:80/x}\n"]

BROKEN = [
    "a: [1,\nb: 2\n",
    "a:\n\t- b\n",
    "a: b: c\n",
    "- a\nb: c\n",
    "a: *missing\n",
    "one: 1\n---\ntwo: 2\n",
    "[" * 5000 + "]" * 5000,
    "key: !!python/object:os.system x\n",
    "a: 1\na: 2\n",
    "x: '\x07'\n",
]


def _pure(monkeypatch: pytest.MonkeyPatch, text: str) -> tuple[Any, Any]:
    with monkeypatch.context() as patched:
        patched.setattr(yamlsafe, "_LIBYAML", None)
        try:
            data, positions = yamlsafe.load_yaml_text(text, "doc.yaml")
        except ConfigError as exc:
            return "error", (exc.render(), exc.location)
    return data, (positions.values, positions.keys)


def _fast(text: str) -> tuple[Any, Any]:
    try:
        data, positions = yamlsafe.load_yaml_text(text, "doc.yaml")
    except ConfigError as exc:
        return "error", (exc.render(), exc.location)
    return data, (positions.values, positions.keys)


needs_libyaml = pytest.mark.skipif(
    yamlsafe._LIBYAML is None, reason="ruamel.yaml.clib is not installed: one parser only"
)


@needs_libyaml
def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 20, CORPUS


@needs_libyaml
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(ROOT)))
def test_repository_yaml_reads_the_same_either_way(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = path.read_text(encoding="utf-8")
    composed, _ = yamlsafe._compose_fast(text)
    if not composed:  # a file libyaml refuses is read by the pure parser alone
        assert _fast(text) == _pure(monkeypatch, text)
        return
    assert _fast(text) == _pure(monkeypatch, text)


@needs_libyaml
@pytest.mark.parametrize("text", SNIPPETS)
def test_tricky_yaml_reads_the_same_either_way(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert yamlsafe._compose_fast(text)[0] is True
    assert _fast(text) == _pure(monkeypatch, text)


@needs_libyaml
@pytest.mark.parametrize("text", PURE_ONLY)
def test_yaml_libyaml_refuses_is_read_by_the_pure_parser(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert yamlsafe._compose_fast(text)[0] is False
    fast = _fast(text)
    assert fast[0] != "error"
    assert fast == _pure(monkeypatch, text)


@needs_libyaml
@pytest.mark.parametrize("text", BROKEN)
def test_broken_yaml_gets_the_pure_parsers_error(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast, pure = _fast(text), _pure(monkeypatch, text)
    assert fast == pure
    assert fast[0] == "error"
