"""The CI pipelines: valid against their published schemas, and every CLI call parses for real.

Schemas are the ones check-jsonschema vendors (no network). Each `unideploy` invocation is parsed
by the real click command tree; each deploy-unified.sh call by the script's own flag list first.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from unideploy.cli.main import cli
from unideploy.engines.process import run

REPO = Path(__file__).resolve().parents[2]
GITHUB = REPO / ".github" / "workflows" / "deploy.yml"
GITLAB = REPO / ".gitlab-ci.yml"
CHECK_JSONSCHEMA = str(Path(sys.executable).parent / "check-jsonschema")
DEPLOY_SCRIPT = REPO / "scripts" / "deployment" / "deploy-unified.sh"
OPERATORS = {">", ">>", "<", "|", "||", "&&", ";", "&", "2>", "2>&1"}


def load(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text()))


def _flatten(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _flatten(item)


def github_scripts() -> list[tuple[str, str]]:
    doc = load(GITHUB)
    return [
        (f"{name}: {step.get('name', step.get('uses', ''))}", step["run"])
        for name, job in doc["jobs"].items()
        for step in job.get("steps", [])
        if "run" in step
    ]


def gitlab_scripts() -> list[tuple[str, str]]:
    doc = load(GITLAB)
    out = [("default", text) for text in _flatten(doc["default"].get("before_script", []))]
    for name, job in doc.items():
        if not isinstance(job, dict) or "script" not in job:
            continue
        for key in ("before_script", "script", "after_script"):
            out += [(f"{name}.{key}", text) for text in _flatten(job.get(key, []))]
    return out


def command_lines(text: str) -> Iterator[list[str]]:
    """Shell words of each simple command in a script block (continuations joined)."""
    for line in text.replace("\\\n", " ").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or ("unideploy" not in line and "scripts/" not in line):
            continue
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words: list[str] = []
        for token in lexer:
            if token in OPERATORS or set(token) <= set("();<>|&"):
                if words:
                    yield words
                words = []
            else:
                words.append(token)
        if words:
            yield words


def invocations(scripts: list[tuple[str, str]]) -> list[tuple[str, str, list[str]]]:
    """(where, program, args) for every unideploy / repository script called."""
    found = []
    for where, text in scripts:
        for words in command_lines(text):
            for i, word in enumerate(words):
                if word == "unideploy" or word.endswith(("/unideploy", "scripts/lib/unideploy.sh")):
                    found.append((where, "unideploy", words[i + 1 :]))
                    break
                if word.startswith("./scripts/"):
                    found.append((where, word, words[i + 1 :]))
                    break
    return found


def parse_cli(args: list[str]) -> list[str]:
    """Parse `unideploy ARGS` with the real command tree; return the command path."""
    ctx = cli.make_context("unideploy", list(args))
    path = ["unideploy"]
    group: click.Command = cli
    rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
    while isinstance(group, click.Group):
        name, command, rest = group.resolve_command(ctx, rest)
        assert command is not None and name is not None
        ctx = command.make_context(name, list(rest), parent=ctx)
        path.append(name)
        group = command
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
    return path


def deploy_script_to_cli(args: list[str]) -> list[str]:
    """Map deploy-unified.sh's flags the way the script does; refuse flags it does not know."""
    valid = re.search(r'^valid="([^"]+)"', DEPLOY_SCRIPT.read_text(), re.M)
    assert valid is not None
    known = set(valid.group(1).split())
    out: list[str] = []
    global_args: list[str] = []
    words = iter(args)
    for word in words:
        assert word in known, f"deploy-unified.sh does not accept {word}"
        if word in ("--environment", "-e"):
            out += ["-e", next(words)]
        elif word in ("--skip-helmfile", "--skip-helm"):
            out.append("--skip-helm")
        elif word in ("--debug",):
            global_args.append(word)
        elif word in ("--stack",):
            global_args += [word, next(words)]
        elif word in ("--lock-timeout", "--output", "--parallel"):
            out += [word, next(words)]
        else:
            out.append(word)
    return [*global_args, "deploy", *out]


ALL = [("github", s) for s in github_scripts()] + [("gitlab", s) for s in gitlab_scripts()]
CALLS = invocations([s for _, s in ALL])


@pytest.mark.parametrize(
    ("path", "schema"),
    [(GITHUB, "vendor.github-workflows"), (GITLAB, "vendor.gitlab-ci")],
    ids=["github", "gitlab"],
)
def test_pipeline_is_valid_against_its_published_schema(path: Path, schema: str) -> None:
    done = run([CHECK_JSONSCHEMA, "--builtin-schema", schema, str(path)], timeout=120)

    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_catches_a_broken_workflow(tmp_path: Path) -> None:
    doc = load(GITHUB)
    del doc["jobs"]["validate"]["runs-on"]
    doc["jobs"]["validate"]["run-on"] = "ubuntu-latest"
    broken = tmp_path / "deploy.yml"
    broken.write_text(yaml.safe_dump(doc))

    done = run(
        [CHECK_JSONSCHEMA, "--builtin-schema", "vendor.github-workflows", str(broken)], timeout=120
    )

    assert done.returncode != 0


def test_pipelines_call_the_cli_and_the_scripts() -> None:
    programs = {program for _, program, _ in CALLS}
    deploys = [
        args for _, program, args in CALLS if program == "unideploy" and args[:1] == ["deploy"]
    ]

    assert "./scripts/setup/install-tools.sh" in programs
    assert "./scripts/deployment/deploy-unified.sh" in programs
    assert len(deploys) == 4  # staging and production, in each pipeline
    for args in deploys:
        for flag in ("--pushgateway", "--notify-webhook", "--output"):
            assert flag in args, f"deploy without {flag}: {args}"


@pytest.mark.parametrize(
    ("where", "program", "args"), CALLS, ids=[f"{w}:{' '.join(a[:3])}" for w, _, a in CALLS]
)
def test_every_invocation_parses(where: str, program: str, args: list[str]) -> None:
    if program == "unideploy":
        assert parse_cli(args)[1] in (
            "validate",
            "plan",
            "monitoring",
            "deploy",
            "report",
            "test",
            "health",
        ), where
    elif program.endswith("deploy-unified.sh"):
        assert parse_cli(deploy_script_to_cli(args))[1] == "deploy"
    elif program.endswith("install-tools.sh"):
        assert args == [] or args[0] in ("--jobs", "--print-dir")
    script = REPO / program.removeprefix("./") if program != "unideploy" else None
    if script is not None:
        assert script.is_file() and os.access(script, os.X_OK), f"{program} is not executable"


def test_the_parser_refuses_what_the_cli_refuses() -> None:
    with pytest.raises(click.UsageError):
        parse_cli(["deploy", "-e", "staging", "--no-such-flag"])
    with pytest.raises(click.UsageError):
        parse_cli(["deploy", "-e", "staging", "--parallel", "zero"])
    with pytest.raises(AssertionError):
        deploy_script_to_cli(["--environment", "staging", "--cache-everything"])


def test_github_follows_the_seed_flow() -> None:
    doc = load(GITHUB)
    jobs = doc["jobs"]
    triggers = doc[True] if True in doc else doc["on"]  # YAML 1.1 reads `on` as a boolean

    assert triggers["push"]["branches"] == ["main", "develop"]
    assert triggers["pull_request"]["branches"] == ["main"]
    assert "refs/heads/develop" in jobs["deploy-staging"]["if"]
    assert jobs["deploy-staging"]["needs"] == "validate"
    assert jobs["deploy-production"]["environment"]["name"] == "production"
    assert "refs/heads/main" in jobs["deploy-production"]["if"]
    assert set(jobs["deploy-production"]["needs"]) == {"validate", "deploy-staging"}
    assert jobs["verify-production"]["needs"] == "deploy-production"
    approval = [
        s for s in jobs["deploy-production"]["steps"] if "UNIDEPLOY_APPROVED_BY" in s.get("run", "")
    ]
    assert approval, "production must record who approved it"
    uploads = [
        s
        for j in jobs.values()
        for s in j.get("steps", [])
        if "upload-artifact" in s.get("uses", "")
    ]
    assert any(s["with"]["name"] == "test-results-staging" for s in uploads)
    assert jobs["notify-failure"]["if"] == "failure()"


def test_gitlab_follows_the_seed_flow() -> None:
    doc = load(GITLAB)

    assert doc["stages"] == [
        "validate",
        "deploy-staging",
        "test-staging",
        "deploy-production",
        "verify-production",
    ]
    assert doc["test-staging"]["artifacts"]["reports"]["junit"] == "reports/test-results.xml"
    production = doc["deploy-production"]
    assert production["environment"]["name"] == "production"
    assert production["rules"][0]["when"] == "manual"
    assert production["variables"]["UNIDEPLOY_APPROVED_BY"] == "$GITLAB_USER_LOGIN"
    assert "deploy-staging" in production["needs"]
    assert ".unideploy/history.db*" in doc["deploy-staging"]["artifacts"]["paths"]
    assert doc["verify-production"]["needs"] == ["deploy-production"]
    assert doc["notify-failure"]["rules"][0]["when"] == "on_failure"
