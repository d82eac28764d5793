"""docs/model.md stays in step with the code: every "docs/model.md §N" citation in the code names one of its
sections, no citation of the old, unshipped "model-facts" sheet is left, and its parameter tables hold the
numbers the code uses."""

import json
import math
import re
from pathlib import Path

import pytest

import motornet as mn
from motornet.effector import ARM26_MUSCLES, ARM26_POLYNOMIAL, ARM26_SKELETON, POINT_MASS_ANCHORS
from motornet.skeleton import _ARM_DEFAULTS

REPO = Path(__file__).resolve().parents[1]
MODEL_DOC = REPO / "docs" / "model.md"
CODE_DIRS = ("motornet", "analysis", "workflow", "tests")
SUFFIXES = {".py", ".md", ".yaml", ".yml", ".smk", ".ipynb"}
# "docs/model.md §2.2", also a list or range of sections after it: "docs/model.md §1, §2.3 and §5.4".
CITATION = re.compile(r"docs/model\.md((?:\s*(?:,|and|to|-|–)?\s*§\d+(?:\.\d+)*)+)")
SECTION = re.compile(r"§(\d+(?:\.\d+)*)")
HEADING = re.compile(r"^(#{2,4}) (\d+(?:\.\d+)*)\.? ", re.MULTILINE)


def _doc():
    return MODEL_DOC.read_text(encoding="utf-8")


def _sections():
    return {number for _, number in HEADING.findall(_doc())}


def _code_texts():
    """(path, text) of the code and its documentation; a notebook's cell sources only (its stored outputs
    are copies of results, refreshed by the pipeline)."""
    for directory in CODE_DIRS:
        for path in sorted((REPO / directory).rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file() or "__pycache__" in path.parts:
                continue
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.suffix == ".ipynb":
                text = "\n".join("".join(cell.get("source", [])) for cell in json.loads(text)["cells"])
            yield path.relative_to(REPO), text


def _table(section, first_header):
    """Rows (lists of cell strings) of the first table under heading `section` whose header starts with
    `first_header`."""
    doc = _doc()
    start = re.search(rf"^#{{2,4}} {re.escape(section)}\.? .*$", doc, re.MULTILINE)
    assert start, f"docs/model.md has no section {section}"
    following = HEADING.search(doc, start.end())
    body = doc[start.end() : following.start() if following else len(doc)]
    lines = [line.strip() for line in body.splitlines()]
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.strip("|").split("|")]
        if line.startswith("|") and cells[0] == first_header:
            rows = []
            for row in lines[i + 2 :]:
                if not row.startswith("|"):
                    break
                rows.append([c.strip() for c in row.strip("|").split("|")])
            return cells, rows
    raise AssertionError(f"no table starting with {first_header!r} under docs/model.md §{section}")


def test_headings_are_numbered_and_unique():
    numbers = [number for _, number in HEADING.findall(_doc())]
    assert len(numbers) == len(set(numbers))
    assert {str(n) for n in range(1, 10)} <= set(numbers)
    for number in numbers:  # every subsection's parent exists
        if "." in number:
            assert number.rsplit(".", 1)[0] in numbers, number


def test_every_citation_names_a_section_of_model_doc():
    sections, cited, missing = _sections(), 0, []
    for path, text in _code_texts():
        for match in CITATION.finditer(text):
            for number in SECTION.findall(match.group(1)):
                cited += 1
                if number not in sections:
                    missing.append(f"{path}: §{number}")
    assert cited >= 18  # the docstrings' and comments' citations
    assert not missing, f"citations of sections docs/model.md does not have: {missing}"


def test_no_model_facts_citation_is_left():
    left = [str(path) for path, text in _code_texts() if "model-facts" in text and path.name != Path(__file__).name]
    assert not left, f"citations of the unshipped model-facts sheet: {left}"


def _number(cell):
    return float(cell.replace("−", "-"))


def test_arm26_muscle_table_equals_the_code():
    header, rows = _table("2.7", "index")
    col = {name: header.index(name) for name in ("muscle", "F_max (N)", "l_se (m)", "l_ce (m)", "s (paths)")}
    assert [row[col["muscle"]] for row in rows] == list(ARM26_MUSCLES)
    for row in rows:
        _, _, f_max, l_se, l_ce, slack = ARM26_MUSCLES[row[col["muscle"]]]
        assert _number(row[col["F_max (N)"]]) == f_max
        assert _number(row[col["l_se (m)"]]) == l_se
        assert _number(row[col["l_ce (m)"]]) == l_ce
        assert _number(row[col["s (paths)"]]) == slack
    # and what a built effector holds, in the action order
    effector = mn.effector.RigidTendonArm26()
    assert effector.muscle_name == [row[col["muscle"]] for row in rows]
    assert effector.muscle.max_iso_force.flatten().tolist() == [_number(row[col["F_max (N)"]]) for row in rows]


def test_skeleton_table_equals_the_code():
    header, rows = _table("1.2", "code")
    default, arm26 = header.index("`TwoDofArm` default"), header.index("arm26 (paper table 2)")
    by_name = {row[0].strip("`"): row for row in rows}
    assert set(by_name) == set(_ARM_DEFAULTS) | {"viscosity"}
    for name, row in by_name.items():
        if name == "viscosity":
            assert _number(row[default]) == _number(row[arm26]) == 0.0 == mn.skeleton.TwoDofArm().viscosity
            continue
        assert _number(row[default]) == _ARM_DEFAULTS[name]
        assert _number(row[arm26]) == ARM26_SKELETON[name]
    arm = mn.effector.RigidTendonArm26().skeleton
    assert (arm.m1, arm.m2, arm.l1, arm.l2) == tuple(_number(by_name[k][arm26]) for k in ("m1", "m2", "l1", "l2"))
    # the joint limits, in degrees in the limits table
    limits = _doc().split("Joint limits (rad):", 1)[1].split("Velocity limits", 1)[0]
    degrees = [float(d) for d in re.findall(r"\[0, (\d+)°\]", limits)]
    assert degrees == [140.0, 160.0, 135.0, 155.0]
    assert [math.radians(d) for d in degrees[2:]] == pytest.approx(list(ARM26_SKELETON["pos_upper_bound"]))


def test_polynomial_and_point_mass_tables_equal_the_code():
    header, rows = _table("3.2", "muscle")
    assert [row[0] for row in rows] == list(ARM26_MUSCLES)
    a0 = [_number(row[header.index("a0 (m)")]) for row in rows]
    a1 = [[_number(row[header.index(f"a1 {joint} (m/rad)")]) for row in rows] for joint in ("shoulder", "elbow")]
    a2 = [[_number(row[header.index(f"a2 {joint} (m/rad²)")]) for row in rows] for joint in ("shoulder", "elbow")]
    assert a0 == list(ARM26_POLYNOMIAL["a0"])
    assert a1 == [list(r) for r in ARM26_POLYNOMIAL["a1"]]
    assert a2 == [list(r) for r in ARM26_POLYNOMIAL["a2"]]
    header, rows = _table("4.5", "index")
    assert [row[1] for row in rows] == list(POINT_MASS_ANCHORS)
    for row in rows:
        anchor = tuple(float(v) for v in row[2].strip("()").split(","))
        assert anchor == POINT_MASS_ANCHORS[row[1]]
    effector = mn.effector.ReluPointMass24()
    assert effector.muscle.max_iso_force.flatten().tolist() == [_number(row[3]) for row in rows]
