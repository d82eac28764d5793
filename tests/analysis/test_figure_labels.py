"""Numbers that figures print from the pipeline's metadata carry the right units."""

import matplotlib.pyplot as plt

import motornet as mn
from analysis.plotting import fig1


def test_figure1_loop_shows_the_feedback_delays_in_ms():
    # the test metadata's task section is the environment's get_save_config(): its delays are in timesteps
    env = mn.environment.RandomTargetReach(mn.effector.RigidTendonArm26(), proprioception_delay=0.02, vision_delay=0.05)
    meta = {
        "dt": env.dt,
        "task": env.get_save_config(),
        "hidden_size": 50,
        "muscle_names": list(env.effector.muscle_name),
    }
    fig, ax = plt.subplots()
    fig1._panel_a(ax, meta)
    labels = " ".join(t.get_text() for t in ax.texts)
    plt.close(fig)
    assert "proprioception (20 ms)" in labels and "vision (50 ms)" in labels, labels
