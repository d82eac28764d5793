import pytest
import torch

from motornet.loss import (
    LossConfig,
    activation_loss,
    eq1_loss,
    hidden_derivative_loss,
    hidden_loss,
    kernel_loss,
    position_loss,
)


def test_position_loss_is_mean_l1_outside_the_target_radius():
    position = torch.tensor([[[0.0, 0.0], [0.02, -0.01], [0.005, 0.005], [0.01, 0.0]]])  # (1, 4, 2)
    desired = torch.zeros_like(position)
    # steps 0 (on target) and 2 (|e| = 0.0071 < r) cost nothing; step 3 is on the radius and costs 0.01
    expected = (0.02 + 0.01 + 0.01) / 8
    assert position_loss(position, desired, target_radius=0.01).item() == pytest.approx(expected)
    assert position_loss(position, desired, target_radius=0.0).item() == pytest.approx((0.03 + 0.01 + 0.01) / 8)


def test_position_loss_has_no_gradient_inside_the_radius():
    position = torch.tensor([[[0.003, 0.004], [0.3, 0.4]]], requires_grad=True)
    position_loss(position, torch.zeros(1, 2, 2), target_radius=0.01).backward()
    assert (position.grad[0, 0] == 0).all()
    torch.testing.assert_close(position.grad[0, 1], torch.full((2,), 1 / 4))


def test_activation_loss_weights_muscles_by_their_relative_max_isometric_force():
    activation = torch.tensor([[[0.5, 1.0], [0.0, 0.2]]])  # (1, 2 steps, 2 muscles)
    force = torch.tensor([100.0, 300.0])  # relative forces 0.5 and 1.5
    expected = ((0.5 * 0.5) ** 2 + (1.0 * 1.5) ** 2 + 0.0 + (0.2 * 1.5) ** 2) / 4
    assert activation_loss(activation, force).item() == pytest.approx(expected)
    assert activation_loss(activation, force.reshape(1, 1, 2)).item() == pytest.approx(expected)


def test_hidden_loss_and_its_time_derivative_per_second():
    hidden = torch.tensor([[[1.0, -2.0], [3.0, 0.0], [3.0, 1.0]]])  # (1, 3 steps, 2 units)
    assert hidden_loss(hidden).item() == pytest.approx((1 + 4 + 9 + 0 + 9 + 1) / 6)
    # differences (2, 2), (0, 1) over dt = 0.01 s: derivatives (200, 200), (0, 100) per second
    assert hidden_derivative_loss(hidden, 0.01).item() == pytest.approx((4e4 + 4e4 + 0 + 1e4) / 4)
    assert hidden_derivative_loss(hidden, 1.0).item() == pytest.approx((4 + 4 + 0 + 1) / 4)


def test_eq1_hidden_derivative_is_per_second_unless_per_step_is_asked():
    """The paper's dh/dt (4.1.4): with dt = 0.01 s the term is 10^4 times the squared per-step difference."""
    position = torch.zeros(1, 2, 2)
    activation = torch.zeros(1, 2, 1)
    hidden = torch.tensor([[[0.0], [0.3]]])
    args = (position, position, activation, torch.ones(1), hidden, torch.zeros(1, 1), 0.01)
    per_second = eq1_loss(LossConfig(), *args)["hidden_derivative"].item()
    per_step = eq1_loss(LossConfig(hidden_derivative_unit="per_step"), *args)["hidden_derivative"].item()
    assert per_second == pytest.approx(900.0)
    assert per_step == pytest.approx(0.09)
    with pytest.raises(ValueError, match="per_second"):
        LossConfig(hidden_derivative_unit="per_minute")


def test_kernel_loss_is_the_sum_of_squares():
    assert kernel_loss(torch.tensor([[1.0, -2.0], [0.5, 0.0]])).item() == pytest.approx(5.25)


def test_eq1_combines_the_terms_with_their_coefficients():
    position = torch.tensor([[[0.1, 0.0], [0.0, 0.0]]])
    desired = torch.zeros_like(position)
    activation = torch.tensor([[[1.0, 0.0], [0.0, 0.0]]])
    force = torch.tensor([1.0, 1.0])
    hidden = torch.tensor([[[2.0], [0.0]]])
    kernel = torch.tensor([[3.0]])
    config = LossConfig(
        position_weight=2.0,
        activation_weight=5.0,
        hidden_weight=0.1,
        hidden_derivative_weight=0.5,
        kernel_weight=1e-2,
        target_radius=0.0,
    )
    terms = eq1_loss(config, position, desired, activation, force, hidden, kernel, 1.0)
    assert terms["position"].item() == pytest.approx(0.1 / 4)
    assert terms["activation"].item() == pytest.approx(1 / 4)
    assert terms["hidden"].item() == pytest.approx(2.0)
    assert terms["hidden_derivative"].item() == pytest.approx(4.0)
    assert terms["kernel"].item() == pytest.approx(9.0)
    expected = 2 * 0.025 + 5 * 0.25 + 0.1 * (2.0 + 0.5 * 4.0) + 1e-2 * 9.0
    assert terms["loss"].item() == pytest.approx(expected)


def test_default_coefficients_are_the_papers():
    c = LossConfig()
    assert (
        c.position_weight,
        c.activation_weight,
        c.hidden_weight,
        c.hidden_derivative_weight,
        c.kernel_weight,
        c.target_radius,
    ) == (2.0, 5.0, 0.1, 0.05, 1e-6, 0.01)


def test_summed_components_read_the_paper_norms_literally():
    """component_reduction: sum gives P = ||x - x*||_1, A, H, D = squared L2 norms: each mean-based term
    times its number of components (2 coordinates, M muscles, n hidden units), kernel unchanged."""
    g = torch.Generator().manual_seed(0)
    position, desired = torch.rand(3, 5, 2, generator=g), torch.rand(3, 5, 2, generator=g)
    activation, hidden = torch.rand(3, 5, 6, generator=g), torch.rand(3, 5, 7, generator=g)
    force, kernel = torch.rand(6, generator=g) + 0.5, torch.rand(4, 7, generator=g)
    mean = eq1_loss(LossConfig(), position, desired, activation, force, hidden, kernel, 0.01)
    summed = eq1_loss(LossConfig(component_reduction="sum"), position, desired, activation, force, hidden, kernel, 0.01)
    for term, n in (("position", 2), ("activation", 6), ("hidden", 7), ("hidden_derivative", 7), ("kernel", 1)):
        assert summed[term].item() == pytest.approx(n * mean[term].item(), rel=1e-6), term
    l1 = (position - desired).abs().sum(-1).mean()
    assert summed["position"].item() == pytest.approx(l1.item(), rel=1e-6)


def test_an_unknown_component_reduction_is_refused():
    with pytest.raises(ValueError, match="component_reduction must be one of"):
        LossConfig(component_reduction="max")
