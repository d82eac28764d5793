"""training.snapshots: weights-only checkpoints kept at listed batches, with the run's identity; resumes,
ensembles and the pipeline's run status honour them."""

import pytest
import torch

from motornet.evaluate import load_policy
from motornet.train import ConfigError, config_hash, load_config, run_status, snapshot_path, train, train_ensemble

TINY = {
    "seed": 3,
    "effector": {"name": "arm26", "muscle": "thelen"},
    "task": {"name": "random_reach", "max_ep_duration": 0.1},
    "policy": {"hidden_size": 8, "hidden_noise": 0.001},
    "training": {
        "n_batches": 6,
        "batch_size": 4,
        "learning_rate": 3e-3,
        "log_every": 1,
        "checkpoint_every": 3,
        "device": "cpu",
        "threads": 1,
        "progress": False,
    },
}


def tiny(seed=3, **training):
    return {**TINY, "seed": seed, "training": {**TINY["training"], **training}}


def weights(path):
    return torch.load(path, weights_only=True)["policy"]


def assert_same_weights(a, b, **tolerance):
    assert a.keys() == b.keys()
    for name in a:
        torch.testing.assert_close(a[name], b[name], msg=name, **({"rtol": 0, "atol": 0} | tolerance))


@pytest.fixture(scope="module")
def whole(tmp_path_factory):
    """One run of 6 batches keeping snapshots at batches 2 and 5."""
    run = tmp_path_factory.mktemp("whole")
    train(tiny(snapshots=[2, 5]), run)
    return run


def test_snapshots_hold_the_weights_at_their_batch_with_the_run_identity(whole, tmp_path):
    state = torch.load(snapshot_path(whole, 5), weights_only=True)  # tensors and plain containers only
    assert state["kind"] == "snapshot" and state["batch"] == 5 and "optimizer" not in state
    assert state["config_sha256"] == config_hash(load_config(tiny(snapshots=[2, 5])))
    train(tiny(n_batches=5), tmp_path)  # the same run, stopped at batch 5
    assert_same_weights(state["policy"], weights(tmp_path / "checkpoint.pt"))
    early = weights(snapshot_path(whole, 2))
    assert any(not torch.equal(early[name], value) for name, value in state["policy"].items())


def test_snapshots_do_not_change_the_run(whole, tmp_path):
    train(tiny(), tmp_path)
    assert_same_weights(weights(whole / "checkpoint.pt"), weights(tmp_path / "checkpoint.pt"))
    assert config_hash(load_config(tiny())) == config_hash(load_config(tiny(snapshots=[2, 5])))


def test_a_run_resumed_across_a_snapshot_writes_the_same_snapshot(whole, tmp_path):
    train(tiny(n_batches=3, snapshots=[2]), tmp_path)
    train(tiny(snapshots=[2, 5]), tmp_path)  # resumed at batch 3
    for batch in (2, 5):
        assert_same_weights(weights(snapshot_path(whole, batch)), weights(snapshot_path(tmp_path, batch)))


def test_a_resume_refuses_a_snapshot_it_can_no_longer_write(tmp_path):
    train(tiny(n_batches=3), tmp_path)
    with pytest.raises(ConfigError, match=r"training.snapshots asks for batch 2, but .* is at batch 3"):
        train(tiny(snapshots=[2, 5]), tmp_path)
    assert not snapshot_path(tmp_path, 5).exists()


def test_a_fresh_start_removes_the_old_runs_snapshots(whole, tmp_path):
    train(tiny(n_batches=3, snapshots=[2]), tmp_path)
    train(tiny(n_batches=2, snapshots=[1]), tmp_path, resume=False)
    assert sorted(p.name for p in (tmp_path / "snapshots").iterdir()) == ["batch000001.pt"]


def test_an_ensembles_snapshots_equal_those_of_the_networks_trained_alone(whole, tmp_path):
    train_ensemble([tiny(seed=1, snapshots=[2, 5]), tiny(snapshots=[2, 5])], [tmp_path / "a", tmp_path / "b"])
    for batch in (2, 5):
        assert_same_weights(
            weights(snapshot_path(whole, batch)), weights(snapshot_path(tmp_path / "b", batch)), rtol=1e-4, atol=1e-6
        )


def test_run_status_wants_every_snapshot(whole, tmp_path):
    assert run_status(whole, tiny(snapshots=[2, 5])) is None
    assert run_status(whole, tiny(snapshots=[2, 4, 5])) == "its snapshots at batch 4 are missing"


def test_a_snapshot_loads_as_a_policy_for_evaluation(whole):
    _, policy, _ = load_policy(whole, checkpoint=snapshot_path(whole, 2))
    assert_same_weights(policy.state_dict(), weights(snapshot_path(whole, 2)))


@pytest.mark.parametrize("snapshots", [[5, 2], [0], [7], [2, 2], ["a"]])
def test_snapshots_must_be_increasing_batches_of_the_run(snapshots):
    with pytest.raises(ConfigError, match="training.snapshots must list increasing batch numbers"):
        load_config(tiny(snapshots=snapshots))
