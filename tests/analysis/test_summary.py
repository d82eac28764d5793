"""The summary page's training table: one row per training job, CPU-hours from wall time x threads."""

import pytest

from analysis.summary import training_table


def run(wall_h, threads, batches=100, batch_size=64):
    return {"batches": batches, "batch_size": batch_size, "threads": threads, "wall_h": wall_h}


def test_seeds_trained_apart_get_a_row_per_job_and_their_cpu_hours_add_up():
    # seed 0 trained alone at one thread; seeds 1 and 2 later, as one ensemble job at two threads
    table, total = training_table(
        [
            ("fig1_naive", [0, 1, 2], [run(0.13, 1), run(0.22, 2), run(0.22, 2)]),
            ("fig6_arm26", [0, 1], [run(2.6, 1), run(2.6, 1)]),
        ]
    )
    rows = [line for line in table.splitlines()[2:]]
    assert rows == [
        "| fig1_naive | 0 | 100 x 64 | 0.13 h | 1 | 0.13 |",
        "| fig1_naive | 1, 2 | 100 x 64 | 0.22 h | 2 | 0.44 |",
        "| fig6_arm26 | 0, 1 | 100 x 64 | 2.60 h | 1 | 2.60 |",
    ]
    assert total == pytest.approx(0.13 + 0.44 + 2.6)
