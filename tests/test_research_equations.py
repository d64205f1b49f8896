"""docs/research-cells.md's step equations reproduce each real module's output.

Each test sets every parameter of a real module to random values (the packages
initialise some to zero, which would hide a wrong equation), runs the module's
own forward on a short sequence, and recomputes it step by step with the
equations and parameter layouts that docs/research-cells.md gives, written
here with plain tensor operations. The built-in .cell files are written from
those notes; these tests are what make the notes trustworthy.
"""

import pytest

from research_modules import build

torch = pytest.importorskip("torch")
F = torch.nn.functional

B, S = 2, 4  # batch and sequence length
DOUBLE = torch.double


def randomized(module):
    torch.manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            p.normal_(0.0, 0.5)
    return module


def causal_conv(w, b, x):
    """Depthwise causal convolution: w (C, K); w[:, K-1] weighs the current step."""
    K = w.shape[1]
    out = []
    for t in range(x.shape[1]):
        acc = b.expand(x.shape[0], -1).clone()
        for j in range(K):
            if t - (K - 1) + j >= 0:
                acc = acc + w[:, j] * x[:, t - (K - 1) + j]
        out.append(acc)
    return torch.stack(out, 1)


def head_norm(v, heads, gain, eps=1e-5):
    """xLSTM's MultiHeadLayerNorm: a layer norm within each head, no bias."""
    u = v.reshape(v.shape[0], heads, -1)
    var = u.var(-1, unbiased=False, keepdim=True)
    u = (u - u.mean(-1, keepdim=True)) / torch.sqrt(var + eps)
    return u.reshape(v.shape) * gain


def headwise(w, v):
    """Block-diagonal product: w (H, out, in) applied to each head of v (B, H*in)."""
    heads, _, width = w.shape
    return torch.einsum("bhi,hoi->bho", v.reshape(v.shape[0], heads, width), w).flatten(1)


def test_slstm_layer():
    H, d, K = 3, 2, 3
    e = H * d
    layer = randomized(build("xlstm.slstm_layer", H=H, d=d, K=K)).double()
    x = torch.randn(B, S, e, dtype=DOUBLE)
    with torch.no_grad():
        got = layer(x)
        xc = F.silu(causal_conv(layer.conv1d.conv.weight[:, 0, :], layer.conv1d.conv.bias, x))
        R = layer.slstm_cell._recurrent_kernel_  # (H, 4d, d): gate g is rows g*d:(g+1)*d
        bias = layer.slstm_cell._bias_.view(4, e)  # gate-major: i, f, z, o
        y = c = n = m = torch.zeros(B, e, dtype=DOUBLE)
        outs = []
        for t in range(S):
            # The module named `fgate` feeds the input gate, `igate` the forget gate.
            inputs = [
                headwise(layer.fgate.weight, xc[:, t]),
                headwise(layer.igate.weight, xc[:, t]),
                headwise(layer.zgate.weight, x[:, t]),
                headwise(layer.ogate.weight, x[:, t]),
            ]
            i, f, z, o = (inputs[g] + headwise(R[:, g * d : (g + 1) * d], y) + bias[g] for g in range(4))
            log_f = m + F.logsigmoid(f)
            m_new = i if bool((n == 0).all()) else torch.maximum(i, log_f)
            i_gate = torch.clamp(torch.exp(i - m_new), max=1.0)
            f_gate = torch.clamp(torch.exp(log_f - m_new), max=1.0)
            c = f_gate * c + i_gate * torch.tanh(z)
            n = f_gate * n + i_gate
            y = torch.sigmoid(o) * c / n
            m = m_new
            outs.append(head_norm(y, H, 1 + layer.group_norm.weight))
    assert torch.allclose(got, torch.stack(outs, 1), atol=1e-9)


def test_mlstm_cell():
    H, d = 2, 3
    e = H * d
    cell = randomized(build("xlstm.mlstm_cell", H=H, d=d)).double()
    q, k, v = (torch.randn(B, S, e, dtype=DOUBLE) for _ in range(3))
    with torch.no_grad():
        got = cell(q, k, v)  # the parallel form; the recurrent form below must agree
        C = torch.zeros(B, H, d, d, dtype=DOUBLE)
        n = torch.zeros(B, H, d, dtype=DOUBLE)
        m = torch.zeros(B, H, 1, dtype=DOUBLE)
        outs = []
        for t in range(S):
            qkv = torch.cat([q[:, t], k[:, t], v[:, t]], -1)
            i, f = cell.igate(qkv)[..., None], cell.fgate(qkv)[..., None]  # one per head
            qt, kt, vt = (a[:, t].view(B, H, d) for a in (q, k, v))
            log_f = F.logsigmoid(f)
            m_new = torch.maximum(log_f + m, i)
            f_gate, i_gate = torch.exp(log_f + m - m_new), torch.exp(i - m_new)
            ks = kt / d**0.5
            C = f_gate[..., None] * C + i_gate[..., None] * torch.einsum("bha,bhc->bhac", ks, vt)
            n = f_gate * n + i_gate * ks
            num = torch.einsum("bha,bhac->bhc", qt, C)
            den = torch.maximum((qt * n).sum(-1, keepdim=True).abs(), torch.exp(-m_new)) + 1e-6
            m = m_new
            outs.append(head_norm((num / den).flatten(1), H, 1 + cell.outnorm.weight))
    # The parallel form adds its 1e-6 at another scale: agreement to 1e-6, not 1e-9.
    assert torch.allclose(got, torch.stack(outs, 1), atol=1e-6)


def test_mamba_block():
    D, E, N, K, R = 3, 2, 4, 3, 2
    ED = E * D
    block = randomized(build("mambapy.mamba_block", D=D, E=E, N=N, K=K, R=R)).double()
    u = torch.randn(B, S, D, dtype=DOUBLE)
    with torch.no_grad():
        got = block(u)
        xz = u @ block.in_proj.weight.T
        x = F.silu(causal_conv(block.conv1d.weight[:, 0, :], block.conv1d.bias, xz[..., :ED]))
        z = xz[..., ED:]
        A = -torch.exp(block.A_log)
        h = torch.zeros(B, ED, N, dtype=DOUBLE)
        outs = []
        for t in range(S):
            xt = x[:, t]
            dbc = xt @ block.x_proj.weight.T
            dt, Bt, Ct = dbc[:, :R], dbc[:, R : R + N], dbc[:, R + N :]
            delta = F.softplus(dt @ block.dt_proj.weight.T + block.dt_proj.bias)
            h = torch.exp(delta[..., None] * A) * h + delta[..., None] * Bt[:, None] * xt[..., None]
            y = (h * Ct[:, None]).sum(-1) + block.D * xt
            outs.append((y * F.silu(z[:, t])) @ block.out_proj.weight.T)
    assert torch.allclose(got, torch.stack(outs, 1), atol=1e-9)


def g(a):
    """minGRU's g: keeps the states positive for the log-space scan."""
    return torch.where(a >= 0, a + 0.5, torch.sigmoid(a))


def test_mingru():
    n = 4
    cell = randomized(build("mingru_pytorch.mingru", n=n)).double()
    x = torch.randn(B, S, n, dtype=DOUBLE)
    with torch.no_grad():
        got = cell(x)  # the log-space parallel scan
        h = torch.zeros(B, n, dtype=DOUBLE)
        outs = []
        for t in range(S):
            a = x[:, t] @ cell.to_hidden_and_gate.weight.T  # [hidden; gate]
            z = torch.sigmoid(a[:, n:])
            h = (1 - z) * h + z * g(a[:, :n])
            outs.append(h)
    assert torch.allclose(got, torch.stack(outs, 1), atol=1e-9)


def test_minlstm():
    n = 4
    cell = randomized(build("mingru_pytorch.minlstm", n=n)).double()
    x = torch.randn(B, S, n, dtype=DOUBLE)
    with torch.no_grad():
        got = cell(x)
        h = torch.zeros(B, n, dtype=DOUBLE)
        outs = []
        for t in range(S):
            a = x[:, t] @ cell.to_hidden_and_f_i_gate.weight.T  # [hidden; f; i]
            f, i = torch.sigmoid(a[:, n : 2 * n]), torch.sigmoid(a[:, 2 * n :])
            h = f / (f + i) * h + i / (f + i) * g(a[:, :n])
            outs.append(h)
    assert torch.allclose(got, torch.stack(outs, 1), atol=1e-9)


def test_ligru():
    m, n = 5, 3
    net = randomized(build("speechbrain.ligru", m=m, n=n)).double().eval()
    layer = net.rnn[0]
    norm = layer.norm
    with torch.no_grad():
        # Running statistics away from their (0, 1) start, so that eval mode uses them visibly.
        norm.running_mean.normal_()
        norm.running_var.uniform_(0.5, 2.0)
        x = torch.randn(4, S, m, dtype=DOUBLE)
        got = net(x)[0]
        h = torch.zeros(4, n, dtype=DOUBLE)
        outs = []
        for t in range(S):
            w = x[:, t] @ layer.w.weight.T
            w = (w - norm.running_mean) / torch.sqrt(norm.running_var + norm.eps)
            gates = w * norm.weight + norm.bias + h @ layer.u.weight.T  # [a; z]
            z = torch.sigmoid(gates[:, n:])
            h = z * h + (1 - z) * torch.relu(gates[:, :n])
            outs.append(h)
    assert torch.allclose(got, torch.stack(outs, 1), atol=1e-9)


@pytest.mark.parametrize("m, n", [(3, 5), (4, 4)])
def test_sru_layernorm(m, n):
    cell = randomized(build("sru.sru_layernorm", m=m, n=n))  # the C++ op takes float32
    x = torch.randn(S, B, m)  # time-major
    with torch.no_grad():
        got = cell(x)[0]
        blocks = cell.num_matrices  # 4 when m != n, 3 when m == n
        normed = F.layer_norm(x, (m,), cell.layer_norm.weight, cell.layer_norm.bias)
        U = (normed @ cell.weight).view(S, B, n, blocks)  # blocks interleaved per unit
        v_f, v_r = cell.weight_c.view(2, n)
        b_f, b_r = cell.bias.view(2, n)
        c = torch.zeros(B, n)
        outs = []
        for t in range(S):
            f = torch.sigmoid(U[t, ..., 1] + v_f * c + b_f)
            r = torch.sigmoid(U[t, ..., 2] + v_r * c + b_r)
            c = f * c + (1 - f) * U[t, ..., 0]
            # The highway term: a fourth projection, or the raw input (before the norm) scaled.
            skip = U[t, ..., 3] if blocks == 4 else x[t] * cell.scale_x
            outs.append(r * c + (1 - r) * skip)
    assert torch.allclose(got, torch.stack(outs), atol=1e-5)


def test_conv_lstm2d():
    m, n, k = 2, 3, 3
    layer = build("keras.conv_lstm2d", m=m, n=n, k=k)
    import numpy

    rng = numpy.random.default_rng(0)
    for weight in layer.weights:
        weight.assign(rng.normal(0.0, 0.5, weight.shape).astype("float32"))
    side = k + 1  # as built
    x = rng.normal(size=(B, S, side, side, m)).astype("float32")
    got = numpy.asarray(layer(x).detach().cpu())  # the last step's h (return_sequences=False)
    kernel, recurrent, bias = (torch.tensor(numpy.asarray(w.numpy())) for w in layer.weights)
    kernel, recurrent = kernel.permute(3, 2, 0, 1), recurrent.permute(3, 2, 0, 1)  # (4n, in, k, k)
    frames = torch.tensor(x).permute(0, 1, 4, 2, 3)  # channels first for conv2d
    h = c = torch.zeros(B, n, side - k + 1, side - k + 1)
    for t in range(S):
        a = F.conv2d(frames[:, t], kernel, bias) + F.conv2d(h, recurrent, padding="same")
        i, f, cand, o = a.split(n, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(cand)
        h = torch.sigmoid(o) * torch.tanh(c)
    assert numpy.allclose(got, h.permute(0, 2, 3, 1).numpy(), atol=1e-5)
