"""The scanner's YAML reader gives what PyYAML's safe loader gives, and refuses duplicate keys."""

from __future__ import annotations

import pytest
import yaml

from unideploy.security.manifests.yamlload import YamlProblem, load_document

DOCUMENTS = {
    "manifest": "apiVersion: v1\nkind: Pod\nmetadata: {name: a, labels: {x: 'y'}}\nspec:\n"
    "  containers: [{name: c, image: 'i:1', ports: [{containerPort: 80}]}]\n",
    "scalars": "a: 2026-01-01\nb: 0x1F\nc: 1_000\nd: yes\ne: ~\nf: .inf\ng: '010'\nh: 1.5e3\n",
    "anchors": "base: &b {cpu: 1}\nlimits: *b\nrequests: *b\n",
    "merge-key": "base: &b {a: 1}\nmerged:\n  <<: *b\n  b: 2\n",
    "tags": "a: !!binary aGVsbG8=\nb: !!str 12\nc: !!set {x, y}\n",
    "nested-lists": "- 1\n- [2, {x: [y, {z: null}]}]\n",
    "empty": "",
    "numeric-keys": "1: one\n2.5: two\ntrue: three\n",
}


@pytest.mark.parametrize("text", DOCUMENTS.values(), ids=list(DOCUMENTS))
def test_the_direct_walk_equals_the_safe_loader(text: str) -> None:
    assert load_document(text) == yaml.load(text, Loader=yaml.SafeLoader)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("a: 1\nb: 2\na: 3\n", 2),
        ("spec:\n  securityContext: {}\n  securityContext: {privileged: true}\n", 2),
        ("x: &a {k: 1}\ny:\n  k: 2\n  k: 3\n", 3),
    ],
)
def test_a_duplicate_key_is_refused_at_its_line(text: str, line: int) -> None:
    with pytest.raises(YamlProblem, match="duplicate key") as caught:
        load_document(text)
    assert caught.value.line == line


def test_bad_yaml_and_deep_nesting_are_problems_not_crashes() -> None:
    with pytest.raises(YamlProblem):
        load_document("a: [1, 2\n")
    with pytest.raises(YamlProblem):
        load_document("a: " + "[" * 5000 + "]" * 5000)
