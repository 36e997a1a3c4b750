"""Real published datasets that the tests read in place and never copy into the project.

Each is named by an environment variable (``make test`` sets them to the workspace's
``../shared/data/<name>`` when that exists; ``.ci/run`` sets them and fails when the
directories are missing). A test that needs one skips, saying which variable to set,
when it is unset.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

__all__ = ["DATASETS", "dataset_dir"]

#: name -> (environment variable, what to point it at)
DATASETS = {
    "bbq": (
        "COMPLIANCE_TEST_BBQ_DIR",
        "the BBQ repository's results/UnifiedQA/preds_<Category>.jsonl(.gz) (Parrish et al.)",
    ),
    "perg": (
        "COMPLIANCE_TEST_PERG_DIR",
        "the per-item PERG results of Okite et al. (see ../shared/data/perg/README.md)",
    ),
}


def dataset_dir(name: str) -> Path:
    """The directory of dataset ``name``, or skip the test saying how to provide it."""
    variable, what = DATASETS[name]
    value = os.environ.get(variable)
    if not value:
        pytest.skip(f"set {variable} to a directory holding {what}")
    path = Path(value)
    if not path.is_dir():
        pytest.fail(f"{variable}={value} is not a directory")
    return path
