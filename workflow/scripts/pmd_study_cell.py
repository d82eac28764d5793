"""The PMD study, one cell (analysis.pmd_study): every snapshot of every seed run through Figure 6's test
(24 centre-out reaches) from each start posture, its PMD regression (paper 4.5.4, as Figure 6), the PMD
axis per network and pooled, against the mass and joint-excursion ellipses' long axes at that posture
(analysis.ellipse), the endpoint error and the loss terms logged up to the snapshot."""

import numpy as np
import pandas as pd
from _common import log_to

from analysis import ellipse, pmd, pmd_study, trajectory
from motornet.evaluate import evaluate, load_policy, load_test_config

log = log_to(snakemake.log[0])
p = snakemake.params
test = load_test_config(snakemake.input.test)
tables = []
for shoulder, elbow in p.postures_deg:
    start = [float(np.deg2rad(shoulder)), float(np.deg2rad(elbow))]
    test.task.options["start_joint"] = start
    for batch in p.snapshots:
        pmds, betas, errors, losses = [], [], [], []
        for seed in p.seeds:
            run = f"{p.runs}/seed{seed}"
            task, policy, _ = load_policy(run, test.task, "cpu", checkpoint=f"{run}/snapshots/batch{batch:06d}.pt")
            results = evaluate(policy, task, test.batch_size, test.seed, test.deterministic)
            result = pmd.pmd_regression(pmd.go_window_activity(results, p.window)[0], results["trial_angle"])
            pmds.append(result.pmd)
            betas.append(result.beta)
            errors.append(
                trajectory.endpoint_error(results["fingertip"], results["trial_target"], p.endpoint_error_steps).mean()
            )
            losses.append(pmd_study.loss_at(pd.read_csv(f"{run}/log.csv"), batch))
        axes = ellipse.ellipse_axes_deg(task.effector.skeleton, start)
        table = pmd_study.axis_rows(np.stack(pmds), np.stack(betas), result.angles, p.seeds, axes)
        per_network = pd.DataFrame([{"endpoint_error_m": e, **loss} for e, loss in zip(errors, losses)])
        per_network.loc[len(per_network)] = per_network.mean()  # the pooled row: means over networks
        table = pd.concat([table, per_network], axis=1)
        table.insert(0, "elbow_deg", elbow)
        table.insert(0, "shoulder_deg", shoulder)
        table.insert(0, "batch", batch)
        table.insert(0, "cell", snakemake.wildcards.cell)
        pooled = table.iloc[-1]
        log.info(
            "%s batch %d at %g/%g deg: pooled axis %.1f deg (mass %.1f, joint %.1f)",
            snakemake.wildcards.cell,
            batch,
            shoulder,
            elbow,
            pooled.pmd_axis_deg,
            axes["mass"],
            axes["joint"],
        )
        tables.append(table)
pd.concat(tables, ignore_index=True).to_csv(snakemake.output.table, index=False, float_format="%.6g")
