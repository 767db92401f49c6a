r"""Split one rendered template into YAML documents exactly as Helm does, before any YAML parsing.

Helm (pkg/release/util/manifest.go, SplitManifests) trims the text and splits it on the regular
expression `(?:^|\s*\n)---\s*`: a line that starts with `---` separates documents whatever
follows on it, so `---# Permission to ...` ends one object and the comment opens the next. A YAML
parser would read that line as content instead, dropping or inventing objects. Pure; used by
`helm_render`.
"""

from __future__ import annotations

import re

#: Go's `\s` (RE2): ASCII whitespace without \v.
_SEPARATOR = re.compile(r"(?:^|[\t\n\f\r ]*\n)---[\t\n\f\r ]*")
#: Go's strings.TrimSpace: unicode.IsSpace.
_GO_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000"
)


def split_manifests(text: str) -> list[str]:
    """The documents of `text` in order, each trimmed; empty pieces are left out (as Helm does)."""
    pieces = _SEPARATOR.split(text.strip(_GO_SPACE))
    return [piece.strip(_GO_SPACE) for piece in pieces if piece != ""]


def is_rendered_manifest(template: str) -> bool:
    """Helm keeps every rendered file but NOTES.txt and partials (`_` names) for the release."""
    base = template.rsplit("/", 1)[-1]
    return not template.endswith("NOTES.txt") and not base.startswith("_")
