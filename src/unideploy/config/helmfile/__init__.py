"""Read a helmfile (plain, or as the real `helmfile build` rendered it) into a stack.yaml document.

Input: helmfile.yaml (its `bases:` and nested `helmfiles:` followed, paths relative to each file).
Output: the stack document, the values files to copy (relative to the helmfile's directory) and
one warning per key that has no equivalent, each with file:line and what to do. source.py reads
the files, release.py converts a release, tiers.py places releases, stack.py puts it together.
"""

from unideploy.config.helmfile.model import Imported, Warning_
from unideploy.config.helmfile.source import TemplatedHelmfile
from unideploy.config.helmfile.stack import import_helmfile

__all__ = ["Imported", "TemplatedHelmfile", "Warning_", "import_helmfile"]
