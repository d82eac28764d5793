import json

import numpy as np
import pytest

from analysis import claims, sweeps


def test_claim_passes_by_its_comparison():
    assert claims.claim("a", 1, "t", "s", 0.5, "<", 1.0, 3)["pass"]
    assert not claims.claim("a", 1, "t", "s", 1.0, "<", 1.0, 3)["pass"]
    assert claims.claim("a", 1, "t", "s", 1.0, "<=", 1.0, 3)["pass"]
    assert not claims.claim("a", 1, "t", "s", -2.0, ">", 0.0, 3)["pass"]
    with pytest.raises(ValueError, match="comparison"):
        claims.claim("a", 1, "t", "s", 1.0, "==", 1.0, 3)


def test_merge_orders_by_figure_and_rejects_duplicate_ids(tmp_path):
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    claims.write([claims.claim("z", 6, "t", "s", 1, ">", 0, 1)], a)
    claims.write([claims.claim("y", 1, "t", "s", 1, ">", 0, 1)], b)
    assert [r["id"] for r in claims.merge([a, b])] == ["y", "z"]
    with pytest.raises(ValueError, match="'z'"):
        claims.merge([a, a])
    table = claims.to_markdown(claims.merge([a, b]))
    assert table.count("\n") == 4 and json.loads(a.read_text())[0]["pass"] is True


def test_markdown_escapes_pipes_in_cells():
    row = claims.to_markdown([claims.claim("a", 1, "|x| small", "mean |x|", 0.1, "<", 1, 2)]).splitlines()[-1]
    assert row.count("|") - row.count("\\|") == 8


def test_centre_and_edge_of_a_bowl():
    q = np.linspace(-1, 1, 9)
    bowl = q[:, None] ** 2 + q[None, :] ** 2
    centre, edge, n = sweeps.centre_and_edge(bowl)
    assert n == 9 and edge == pytest.approx(2.0)
    assert centre == pytest.approx(np.mean([(x**2 + y**2) for x in q[3:6] for y in q[3:6]]))


def test_undefined_statistic_is_null_and_fails(tmp_path):
    record = claims.claim("a", 6, "t", "s", float("nan"), ">", 0.0, 8)
    assert record["value"] is None and record["pass"] is False
    claims.write([record], tmp_path / "c.json")
    assert json.loads((tmp_path / "c.json").read_text())[0]["value"] is None
    assert "| undefined |" in claims.to_markdown([record])


def test_claim_across_seeds_judges_the_mean_and_records_the_spread(tmp_path):
    record = claims.across_seeds("a", 1, "t", "s", {0: 0.8, 1: 1.4, 2: 0.5}, "<", 1.0, 8)
    assert record["value"] == pytest.approx(0.9) and record["pass"]  # one network above, the mean below
    assert record["seeds"] == [0, 1, 2] and record["per_seed"] == [0.8, 1.4, 0.5]
    assert record["spread"] == pytest.approx(np.std([0.8, 1.4, 0.5], ddof=1))
    assert "mean over 3 networks" in record["statistic"]
    claims.write([record], tmp_path / "c.json")  # strict JSON
    assert "± 0.46 (sd, 3 nets)" in claims.to_markdown([record])
    single = claims.across_seeds("b", 1, "t", "s", {4: 2.0}, ">", 1.0, 8)
    assert single["spread"] is None and single["seeds"] == [4]
