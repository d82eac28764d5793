"""GRU policy: the paper's initialisation and equivalence with torch's GRU."""

import torch

import motornet as mn


def test_initialisation_follows_the_paper():
    policy = mn.policy.PolicyGRU(20, 64, 6)
    w_hh = policy.gru.weight_hh_l0  # (3H, H), orthonormal columns
    torch.testing.assert_close(w_hh.T @ w_hh, torch.eye(64), atol=1e-5, rtol=0)
    limit = (6 / (20 + 3 * 64)) ** 0.5  # Glorot uniform on the whole input kernel
    assert policy.gru.weight_ih_l0.abs().max() <= limit and policy.gru.weight_ih_l0.abs().max() > 0.9 * limit
    assert (policy.gru.bias_ih_l0 == 0).all() and (policy.gru.bias_hh_l0 == 0).all()
    assert (policy.fc.bias == -5).all() and abs(policy.fc.weight.std().item() - 0.003) < 0.0005
    u, h = policy(torch.randn(8, 20), policy.init_hidden(8))
    assert u.shape == (8, 6) and h.shape == (1, 8, 64)
    torch.testing.assert_close(u, torch.full_like(u, torch.sigmoid(torch.tensor(-5.0)).item()), atol=2e-3, rtol=0)


def test_step_equals_torch_gru_layer():
    policy = mn.policy.PolicyGRU(5, 7, 3)
    for parameter in (policy.gru.bias_ih_l0, policy.gru.bias_hh_l0, policy.fc.weight, policy.fc.bias):
        torch.nn.init.normal_(parameter)  # distinct input and recurrent biases: r gates only the recurrent one
    x, h0 = torch.randn(4, 5), torch.randn(1, 4, 7)
    u, h = policy(x, h0)
    reference = torch.nn.GRU(5, 7, batch_first=True)
    reference.load_state_dict(
        {k.removeprefix("gru."): v for k, v in policy.state_dict().items() if k.startswith("gru.")}
    )
    _, h_ref = reference(x.unsqueeze(1), h0)
    torch.testing.assert_close(h, h_ref)
    torch.testing.assert_close(u, torch.sigmoid(h_ref[0] @ policy.fc.weight.T + policy.fc.bias))


def test_hidden_noise_only_while_training():
    policy = mn.policy.PolicyGRU(5, 7, 3, hidden_noise=0.1)
    x, h0 = torch.randn(4, 5), torch.zeros(1, 4, 7)
    policy.eval()
    torch.testing.assert_close(policy(x, h0)[1], policy(x, h0)[1])
    policy.train()
    assert not torch.allclose(policy(x, h0)[1], policy(x, h0)[1])


def test_hidden_noise_enters_the_state_the_gru_cell_receives():
    """sigma_h perturbs the cell's input state (the original toolbox's placement): the new state and the
    read-out equal a noise-free step from h + noise, not a noise-free step with noise added after."""
    policy = mn.policy.PolicyGRU(5, 7, 3)
    x, h, noise = torch.randn(4, 5), torch.randn(4, 7), 0.5 * torch.randn(4, 7)
    u, h_new = policy.cell(x, h, noise)
    u_ref, h_ref = policy.cell(x, h + noise)
    torch.testing.assert_close(h_new, h_ref)
    torch.testing.assert_close(u, u_ref)
    assert not torch.allclose(h_new, policy.cell(x, h)[1] + noise)
