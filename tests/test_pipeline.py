"""The Snakemake pipeline: the paper preset plans every rule and training run; the smoke preset really
builds every figure and table from nothing (tiny trained models) in a scratch directory, once per session."""

import html
import json
import re

import numpy as np
import pandas as pd
import pytest
import yaml

pytest.importorskip("snakemake", reason="the pipeline needs snakemake (pip install snakemake)")

from conftest import REPO, snakemake


def test_paper_preset_dry_run_plans_every_figure_and_table(tmp_path):
    out = snakemake(tmp_path, "-n", "--quiet", "rules")
    for rule in (
        "point_mass_moment_arms",
        "arm_moment_arms",
        "passive_drift",
        "figure4",
        "muscle_paths",
        "figure8",
        "parameter_tables",
        "model_description",
        "figure2",
        "figure3",
        "figure7",
        "train_fig1_naive_seeds0_2",
        "train_fig6_arm26_seeds0_7",
        "test_model",
        "fig1_metrics",
        "figure1",
        "fig5_metrics",
        "figure5",
        "pmd",
        "fig6_metrics",
        "figure6",
    ):
        assert rule in out, f"rule {rule} not planned:\n{out}"
    # fig1 naive + adapted 3 seeds each, fig5 x 2, fig6 8 arm26 + 8 point-mass seeds (one ensemble job per
    # model: 6 jobs); each run on its test protocols (the perturbation-trained fig5 model also on its training
    # task: panel a): 2 x 3 x 2 + 2 x 2 + 1 + 16 = 33 test jobs
    jobs = dict(re.findall(r"^(train_\w+)\s+(\d+)$", out, re.M))
    assert sorted(jobs) == [
        "train_fig1_adapted_seeds0_2",
        "train_fig1_naive_seeds0_2",
        "train_fig5_perturbation_free_seed0",
        "train_fig5_perturbation_trained_seed0",
        "train_fig6_arm26_seeds0_7",
        "train_fig6_point_mass_seeds0_7",
    ] and set(jobs.values()) == {"1"}, out
    assert re.search(r"^test_model\s+33$", out, re.M), out
    assert not (tmp_path / "results").exists()


def test_paper_preset_shows_the_training_budgets(tmp_path):
    out = snakemake(tmp_path, "-n", "results/paper/runs/fig1_adapted/seed0/checkpoint.pt")
    assert "train fig1_naive seeds 0, 1, 2: 7680 batches x 64 episodes, arm26, GRU 50;" in out, out
    assert "train fig1_adapted seeds 0, 1, 2: 768 batches x 64 episodes, arm26, GRU 50;" in out, out
    fig6 = snakemake(tmp_path, "-n", "results/paper/runs/fig6_arm26/seed3/checkpoint.pt")
    assert "train fig6_arm26 seeds 0, 1, 2, 3, 4, 5, 6, 7: 38400 batches x 64 episodes" in fig6, fig6


def test_ablation_target_plans_one_ensemble_job_per_cell(tmp_path):
    out = snakemake(tmp_path, "-n", "ablation", "--config", "preset=quick")
    for muscle in ("thelen", "kistemaker"):
        for unit in ("per_second", "per_step"):
            assert f"train ablation_{muscle}_{unit} seeds 0, 1, 2, 3: 1500 batches x 64 episodes" in out, out
    for rule in ("ablation_metrics", "ablation_figure"):
        assert re.search(rf"^{rule}\s+1$", out, re.M), out


def test_figure_paths_depend_on_the_preset(tmp_path):
    paper = snakemake(tmp_path, "-n", "figures/fig4.pdf")
    assert "results/paper/fig4/passive_drift_arm26.npz" in paper
    quick = snakemake(tmp_path, "-n", "figures/quick/fig4.pdf", "--config", "preset=quick")
    assert "results/quick/fig4/point_mass_moment_arms.npz" in quick


def test_smoke_preset_builds_every_figure_and_table(smoke):
    tmp_path = smoke
    for n in (1, 2, 3, 4, 7, 8):
        for ext in ("pdf", "png"):
            path = tmp_path / "figures" / "smoke" / f"fig{n}.{ext}"
            assert path.stat().st_size > 10_000, path
        assert (tmp_path / "figures" / "smoke" / f"fig{n}.pdf").read_bytes().startswith(b"%PDF")
    results = tmp_path / "results" / "smoke"
    drift = np.load(results / "fig4" / "passive_drift_arm26.npz")
    assert drift["distance"].shape == (7, 7) and int(drift["n_steps"]) == 20  # smoke grid, 200 ms
    positions = pd.read_csv(results / "fig4" / "point_mass_moment_arms_at_positions.csv")
    assert len(positions) == 2 * 4 * 2  # positions x muscles x dof
    for k in range(1, 6):
        assert len(pd.read_csv(results / "tables" / f"table{k}.csv")) > 0
    for rule in (
        "figure4",
        "passive_drift_arm26",
        "point_mass_moment_arms",
        "figure1",
        "fig1_metrics",
        "train/fig1_naive_seeds0_1",
        "test/fig1_adapted_seed0_test_fig1_curl",
    ):
        assert (results / "logs" / f"{rule}.log").exists()
        assert (results / "benchmarks" / f"{rule}.tsv").exists()
    # Figure 1: tiny runs (2 batches, GRU 8), the adapted one started from the naive one
    run = yaml.safe_load((results / "runs" / "fig1_adapted" / "seed0" / "config.yaml").read_text())
    assert run["training"]["n_batches"] == 2 and run["policy"]["hidden_size"] == 8 and not run["training"]["compile"]
    assert run["training"]["init_from"] == "results/smoke/runs/fig1_naive/seed0/checkpoint.pt"
    metrics = pd.read_csv(results / "fig1_metrics.csv", keep_default_na=False)
    assert len(metrics) == 2 * 2 * 2 * 8  # seeds (smoke: 2) x stages x fields x targets
    assert sorted(set(metrics.seed)) == [0, 1]
    fig1_claims = json.loads((results / "claims" / "fig1.json").read_text())
    assert all(c["seeds"] == [0, 1] and len(c["per_seed"]) == 2 for c in fig1_claims)  # means over the seeds
    assert set(metrics.condition) == {f"{s} / {f} field" for s in ("naive", "adapted") for f in ("null", "curl")}
    assert np.isfinite(metrics[["endpoint_error_m", "straightness", "max_lateral_deviation_m"]].to_numpy()).all()
    test = np.load(results / "tests" / "fig1_naive" / "seed0" / "test_fig1_curl.npz")
    assert test["fingertip"].shape == (8, 101, 2) and test["hidden"].shape[-1] == 8


def test_figures_2_and_3_describe_the_arm26_the_networks_train_on(smoke):
    config = yaml.safe_load((REPO / "workflow" / "config" / "paper.yaml").read_text())
    assert config["arm26"]["muscle"] == "thelen"  # paper 4.1.1: Thelen (2003)
    description = json.loads((smoke / "results" / "smoke" / "schematics" / "model_description.json").read_text())
    assert (description["effector"], description["muscle"]) == ("RigidTendonArm26", "RigidTendonHillMuscleThelen")


def test_second_invocation_does_nothing_and_a_deleted_figure_rebuilds_alone(smoke):
    assert "Nothing to be done" in snakemake(smoke, "-n", "--config", "preset=smoke")
    (smoke / "figures" / "smoke" / "fig4.png").unlink()
    plan = snakemake(smoke, "-n", "--quiet", "rules", "--config", "preset=smoke")
    assert re.search(r"^figure4\s+1$", plan, re.M) and re.search(r"^total\s+2$", plan, re.M), plan  # + `all`
    snakemake(smoke, "--cores", "1", "--config", "preset=smoke")
    assert (smoke / "figures" / "smoke" / "fig4.png").stat().st_size > 10_000


def test_report_embeds_every_figure_with_its_caption(smoke):
    snakemake(smoke, "--report", "report.html", "--config", "preset=smoke")
    page = (smoke / "report.html").read_text()
    # The self-contained report keeps its results as one JSON object (path -> entry) in <script id="results">.
    script = page.split('<script id="results">', 1)[1]
    results, _ = json.JSONDecoder().raw_decode(script.split("var results = ", 1)[1])
    captions = REPO / "workflow" / "report"
    for n in range(1, 9):
        entry = results[f"figures/smoke/fig{n}.png"]
        assert entry["data_uri"].startswith("data:image/png;") and len(entry["data_uri"].split("base64,")[1]) > 10_000
        first_line = (captions / f"fig{n}.rst").read_text().splitlines()[0].replace("*", "")
        shown = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", entry["caption"])).split())
        assert " ".join(first_line.split()) in shown, (n, shown)
    assert "Tables 1-5" in results["results/smoke/tables/tables.md"]["caption"]


def test_summary_shows_every_figure_claim_and_training_job(smoke):
    from analysis import summary

    results = smoke / "results" / "smoke"
    page = (results / "summary.md").read_text()
    records = json.loads((results / "claims.json").read_text())
    for r in records:
        assert f"{r['claim']} (" in page, r["id"]
    assert page.count("**does not hold**") == sum(not r["pass"] for r in records)
    images = re.findall(r"!\[Figure (\d)\]\(([^)]+)\)", page)
    assert [int(n) for n, _ in images] == list(range(1, 9))
    assert all(
        (results / link).resolve() == (smoke / "figures" / "smoke" / f"fig{n}.png").resolve() for n, link in images
    )
    for model in (
        "fig1_naive",
        "fig1_adapted",
        "fig5_perturbation_free",
        "fig5_perturbation_trained",
        "fig6_arm26",
        "fig6_point_mass",
    ):
        row = next(line for line in page.splitlines() if line.startswith(f"| {model} |"))
        batches = summary.run_training(results / "runs" / model / "seed0")["batches"]
        assert f"| {batches:,} x " in row, row
    # `make readme`: the page goes between the README's markers, its links rebased to the README's directory
    readme = smoke / "README.md"
    readme.write_text(f"# Title\n\n{summary.BEGIN}\nOLD-PAGE\n{summary.END}\n\nafter\n")
    summary.main([str(readme), str(results / "summary.md")])
    text = readme.read_text()
    assert text.startswith("# Title\n\n") and text.endswith(f"{summary.END}\n\nafter\n") and "OLD-PAGE" not in text
    assert "](figures/smoke/fig6.png)" in text
    readme.write_text("no markers\n")
    with pytest.raises(SystemExit, match="must hold one"):
        summary.main([str(readme), str(results / "summary.md")])
