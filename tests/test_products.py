"""motornet.products.linear: x @ w.T through MKL, oneDNN or motornet's AVX-512 kernel, the same values and
gradients every way. The operators are tested wherever they can run (MOTORNET_ONEDNN=always: any AVX-512
CPU), Intel's included, where `auto` leaves every product to MKL."""

import pickle

import pytest
import torch

from motornet import products
from motornet.compiled import COMPILE_OPTIONS

# (rows, inputs, outputs): Figure 5's recurrent and input products (oneDNN where available), Figure 1's
# recurrent product (MKL: too small), the input kernel's gradient (MKL: a long reduction to 16 columns)
FIG5, FIG5_INPUT, FIG1, THIN = (1024, 110, 330), (1024, 16, 330), (64, 50, 150), (330, 1024, 16)


@pytest.fixture(autouse=True)
def operators_by_size(monkeypatch):
    monkeypatch.setattr(products, "MODE", "always")
    products._decide.cache_clear()
    yield
    monkeypatch.undo()
    products._decide.cache_clear()


def operands(rows, inputs, outputs, dtype=torch.float32):
    g = torch.Generator().manual_seed(rows + inputs + outputs)
    x = torch.randn(rows, inputs, generator=g, dtype=dtype, requires_grad=True)
    w = (torch.randn(outputs, inputs, generator=g, dtype=dtype) / inputs**0.5).requires_grad_()
    return x, w, torch.randn(rows, outputs, generator=g, dtype=dtype)


@pytest.mark.parametrize("shape", [FIG5, FIG5_INPUT, FIG1, THIN])
def test_linear_is_x_times_w_transposed_with_its_gradients(shape):
    x, w, grad = operands(*shape)
    y = products.linear(x, w)
    gx, gw = torch.autograd.grad(y, (x, w), grad)
    x64, w64, grad64 = (t.detach().double().requires_grad_() for t in (x, w, grad))
    y64 = x64 @ w64.T
    rx, rw = torch.autograd.grad(y64, (x64, w64), grad64)
    for ours, exact in ((y, y64), (gx, rx), (gw, rw)):
        assert ours.shape == exact.shape and ours.dtype == torch.float32
        # float32 sums of up to 1,024 terms against float64: a few ulps of the largest entry
        assert (ours.double() - exact).abs().max() <= 1e-5 * exact.abs().max()


@pytest.mark.parametrize("shape", [(13, 7, 33), (1, 3, 1), (64, 90, 270), (9, 0, 4), (64, 16, 150)])
def test_odd_shapes_and_strided_operands_are_products(shape):
    # row and column counts that leave partial register blocks, an empty reduction, transposed operands
    x, w, grad = operands(*shape)
    for a, b in ((x, w), (x.detach().T.contiguous().T, w.detach().T.contiguous().T)):
        y = products.linear(a, b)
        exact = a.detach().double() @ b.detach().double().T
        assert y.shape == exact.shape and (y.double() - exact).abs().max() <= 1e-5 * max(exact.abs().max(), 1.0)


def test_stacked_networks_are_each_their_own_product_and_float64_is_matmul():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(8, 64, 90, generator=g, requires_grad=True)
    w = torch.randn(8, 270, 90, generator=g, requires_grad=True)
    grad = torch.randn(8, 64, 270, generator=g)
    y = products.linear(x, w)
    gx, gw = torch.autograd.grad(y, (x, w), grad)
    for k in range(8):  # no operation mixes networks: network k's rows are its product alone, bit for bit
        yk = products.linear(x[k], w[k])
        assert torch.equal(y[k], yk)
        for a, b in zip((gx[k], gw[k]), torch.autograd.grad(yk, (x, w), grad[k])):
            assert torch.equal(a, b[k])
    exact = x.detach().double() @ w.detach().double().mT
    assert (y.double() - exact).abs().max() <= 1e-5 * exact.abs().max()
    x64, w64, _ = operands(*FIG5, dtype=torch.float64)
    assert not products.takes_onednn(*FIG5, x64) and not products.takes_kernel(*FIG1, x64)
    assert torch.equal(products.linear(x64, w64), x64 @ w64.T)


def test_sizes_pick_the_library():
    x = torch.zeros(1)
    assert products.takes_onednn(*FIG5, x) == products.takes_onednn(*FIG5_INPUT, x) == products.onednn_available()
    assert not products.takes_onednn(*FIG1, x) and not products.takes_onednn(*THIN, x)
    assert products.takes_kernel(*FIG1, x) == products.onednn_available()
    assert not products.takes_kernel(*FIG5, x) and not products.takes_kernel(*THIN, x)


def test_large_products_and_their_gradients_run_through_onednn_deterministically():
    if not products.onednn_available():
        pytest.skip("oneDNN is not used on this machine")
    x, w, grad = operands(*FIG5)
    with torch.autograd.profiler.profile() as prof:
        y = products.linear(x, w)
        y.backward(grad)
    calls = [e.name for e in prof.function_events if e.name == "motornet::linear"]
    assert len(calls) == 3  # the product, d/dx and d/dw
    assert torch.equal(products.linear(x, w), y)


@pytest.mark.parametrize("shape", [FIG5, FIG1])
def test_compiled_linear_matches_eager_values_and_gradients(shape):
    x, w, grad = operands(*shape)

    def f(x, w):
        return torch.sigmoid(products.linear(x, w))

    eager = f(x, w)
    eager_grads = torch.autograd.grad(eager, (x, w), grad)
    compiled = torch.compile(f, fullgraph=True, dynamic=False, options=dict(COMPILE_OPTIONS))
    out = compiled(x, w)
    grads = torch.autograd.grad(out, (x, w), grad)
    torch.testing.assert_close(out, eager, rtol=1e-5, atol=1e-6)
    for a, b in zip(grads, eager_grads):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_compiled_code_calls_the_kernel_through_its_c_shim_and_keeps_a_cache_key():
    if not (products.onednn_available() and products._SHIM_USED):
        pytest.skip("the kernel or its C shim is not used here")
    from torch._inductor import config
    from torch._inductor.utils import run_and_get_code

    x, w, _ = operands(*FIG1)
    compiled = torch.compile(lambda x, w: products.linear(x, w) + 1.0, dynamic=False, options=dict(COMPILE_OPTIONS))
    with torch.no_grad():
        out, (code,) = run_and_get_code(compiled, x, w)
    assert "aoti_torch_cpu_matmul(" in code and 'call_dispatcher("motornet::matmul"' not in code
    torch.testing.assert_close(out, x @ w.T + 1.0, rtol=1e-5, atol=1e-6)
    # inductor pickles its config into each graph's cache key: the shim's entry must pickle, to itself
    (key,) = [k for k in config.aot_inductor.custom_ops_to_c_shims if k == torch.ops.motornet.matmul.default]
    assert pickle.loads(pickle.dumps(key)) == torch.ops.motornet.matmul.default
    pickle.dumps(config.save_config_portable())


def test_never_keeps_every_product_on_mkl_and_a_bad_mode_is_refused(monkeypatch):
    x, w, _ = operands(*FIG5)
    try:
        products._decide.cache_clear()
        monkeypatch.setattr(products, "MODE", "never")
        assert not products.takes_onednn(*FIG5, x) and not products.takes_kernel(*FIG1, x)
        assert torch.equal(products.linear(x, w), torch.matmul(x, w.T))
        x1, w1, _ = operands(*FIG1)
        assert torch.equal(products.linear(x1, w1), torch.matmul(x1, w1.T))
        products._decide.cache_clear()
        monkeypatch.setattr(products, "MODE", "fast")
        with pytest.raises(ValueError, match="MOTORNET_ONEDNN must be 'auto', 'always' or 'never', got 'fast'"):
            products.onednn_available()
    finally:
        monkeypatch.undo()
        products._decide.cache_clear()


@pytest.mark.parametrize("vendor", ["GenuineIntel", "", "AuthenticAMD"])
def test_auto_leaves_intel_cpus_to_mkl(monkeypatch, vendor):
    # MKL runs AVX-512 kernels on Intel's CPUs (and where the vendor is unknown, MKL is the safe choice)
    monkeypatch.setattr(products, "MODE", "auto")
    monkeypatch.setattr(products, "_cpu_vendor", lambda: vendor)
    products._decide.cache_clear()
    avx512 = torch.backends.mkldnn.is_available() and torch.backends.cpu.get_cpu_capability().startswith("AVX512")
    operators = vendor == "AuthenticAMD" and avx512 and products._build() is None
    assert products.onednn_available() == operators
    assert products.takes_kernel(*FIG1, torch.zeros(1)) == operators


def test_a_stack_is_the_same_product_on_one_thread_and_two():
    # the kernel splits a stack's networks across torch's threads: the split must not change a bit
    g = torch.Generator().manual_seed(1)
    x, w = torch.randn(8, 64, 90, generator=g), torch.randn(8, 270, 90, generator=g)
    if not products.takes_kernel(64, 90, 270, x):
        pytest.skip("the kernel is not used here")  # MKL's own split across threads is not ours to test
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = products.linear(x, w)
        torch.set_num_threads(2)
        assert torch.equal(products.linear(x, w), one)
    finally:
        torch.set_num_threads(threads)


def test_a_failed_build_warns_once_and_leaves_mkl(monkeypatch):
    if not torch.backends.cpu.get_cpu_capability().startswith("AVX512"):
        pytest.skip("oneDNN is not tried without AVX-512")
    x, w, _ = operands(*FIG5)
    try:
        products._decide.cache_clear()
        monkeypatch.setattr(products, "_build", lambda: "g++: not found")
        with pytest.warns(RuntimeWarning, match=r"building the oneDNN operator failed \(g\+\+: not found\)") as caught:
            assert torch.equal(products.linear(x, w), torch.matmul(x, w.T))
            assert torch.equal(products.linear(x, w), torch.matmul(x, w.T))
        assert len(caught) == 1
    finally:
        monkeypatch.undo()
        products._decide.cache_clear()


def test_a_stack_of_one_network_is_its_own_product():
    # motornet.train holds even one network as a stack of one: it takes the 2-D product's library
    x, w, grad = operands(*FIG5)
    y = products.linear(x[None], w[None])
    gx, gw = torch.autograd.grad(y, (x, w), grad[None])
    y2 = products.linear(x, w)
    assert y.shape == (1, *y2.shape) and torch.equal(y[0], y2)
    for a, b in zip((gx, gw), torch.autograd.grad(y2, (x, w), grad)):
        assert torch.equal(a, b)
