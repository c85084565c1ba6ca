"""The import contracts of pyproject.toml hold, and each one fails on a deliberate bad import."""

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
PACKAGES = ("connexions", "beneficiaries", "catalogue", "sales", "workshops")
CONTRACTS = {
    contract["name"]: contract["id"]
    for contract in tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
}

# (module that gets the bad import, the line, every contract it must break). Some contracts overlap:
# the layers contract also forbids what the per-app contracts name.
BAD_IMPORTS = {
    "app-layers": ("beneficiaries/models.py", "import catalogue.models", {"app-layers"}),
    "core-imports-no-app": ("connexions/urls.py", "import sales.models", {"core-imports-no-app"}),
    "impact-reads-selectors": (
        "connexions/impact/report.py",
        "import sales.models",
        {"impact-reads-selectors"},
    ),
    "catalogue-independent": (
        "catalogue/models/stock.py",
        "import beneficiaries.models",
        {"app-layers", "catalogue-independent"},
    ),
    "beneficiaries-independent": (
        "beneficiaries/models.py",
        "import sales.models",
        {"app-layers", "beneficiaries-independent", "sales-workshops-independent"},
    ),
    "sales-workshops-independent": (
        "sales/models.py",
        "import workshops.models",
        {"app-layers", "sales-workshops-independent"},
    ),
    "no-app-imports-impact": (
        "workshops/views.py",
        "import connexions.impact.cells",
        {"no-app-imports-impact"},
    ),
}


def broken_contracts(cwd):
    """Run lint-imports on the packages found in cwd; return the ids of the broken contracts."""
    result = subprocess.run(
        [Path(sys.executable).with_name("lint-imports"), PYPROJECT, "--no-cache"],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(cwd)},
        capture_output=True,
        text=True,
    )
    statuses = dict(re.findall(r"^(.+) (KEPT|BROKEN)\b", result.stdout, re.MULTILINE))
    broken = {CONTRACTS[name] for name, status in statuses.items() if status == "BROKEN"}
    kept = {CONTRACTS[name] for name, status in statuses.items() if status == "KEPT"}
    assert broken | kept == set(CONTRACTS.values()), result.stdout + result.stderr
    assert (result.returncode == 0) == (not broken)
    return broken


@pytest.fixture(scope="module")
def tree_copy(tmp_path_factory):
    copy = tmp_path_factory.mktemp("tree")
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return copy


def test_the_real_tree_keeps_every_contract():
    assert broken_contracts(ROOT) == set()


def test_every_contract_is_proven_by_a_bad_import():
    assert set(BAD_IMPORTS) == set(CONTRACTS.values())


@pytest.mark.parametrize("contract", BAD_IMPORTS)
def test_a_bad_import_breaks_its_contract(tree_copy, contract):
    module, line, expected = BAD_IMPORTS[contract]
    path = tree_copy / module
    original = path.read_text()
    path.write_text(f"{original}\n{line}\n")
    try:
        assert contract in expected
        assert broken_contracts(tree_copy) == expected
    finally:
        path.write_text(original)
