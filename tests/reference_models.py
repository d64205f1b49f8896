"""The real networks that symcount's example models are checked against.

Each is plain PyTorch copied from its source (cited at each class) as closely as
the source allows: its `__init__` exactly, so that every parameter it allocates is
there, and a short `forward`, so that the module runs one batch in the tests
(tests/test_reference_models.py). What was left out is said where it was: logging,
dropout's masks, code paths for other cell types. `build_<name>(**sizes)` builds one
at given sizes; `numel(module)` is what a paper or a user counts,
`sum(p.numel() for p in module.parameters())`, a tied tensor once (`parameters()`
yields each tensor once). The xLSTM stack is the real `xlstm` package's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn import Parameter


def numel(module: nn.Module) -> int:
    """The parameters of `module`, a tensor shared by two modules counted once."""
    return sum(p.numel() for p in module.parameters())


# ---- Zaremba et al. (2014) and Press & Wolf (2017): pytorch/examples' word language model ----


class WordLanguageModel(nn.Module):
    """pytorch/examples, word_language_model/model.py, class RNNModel, the LSTM and GRU
    branches: https://github.com/pytorch/examples/blob/main/word_language_model/model.py
    (the RNN_TANH/RNN_RELU branch and init_weights' uniform values left out)."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, tie_weights=False):
        super().__init__()
        self.ntoken = ntoken
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = getattr(nn, rnn_type)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        # "Using the Output Embedding to Improve Language Models" (Press & Wolf 2016)
        if tie_weights:
            if nhid != ninp:
                raise ValueError("When using the tied flag, nhid must be equal to emsize")
            self.decoder.weight = self.encoder.weight
        self.rnn_type = rnn_type
        self.nhid = nhid
        self.nlayers = nlayers

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        output = self.drop(output)
        decoded = self.decoder(output)
        decoded = decoded.view(-1, self.ntoken)
        return F.log_softmax(decoded, dim=1), hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        if self.rnn_type == "LSTM":
            return (weight.new_zeros(self.nlayers, bsz, self.nhid), weight.new_zeros(self.nlayers, bsz, self.nhid))
        return weight.new_zeros(self.nlayers, bsz, self.nhid)


def build_zaremba_lm(V: int, n: int, L: int) -> WordLanguageModel:
    """RNNModel('LSTM', ntoken=V, ninp=n, nhid=n, nlayers=L): Zaremba et al.'s medium
    (n=650, L=2) and large (n=1500, L=2) language models, untied."""
    return WordLanguageModel("LSTM", V, n, n, L, tie_weights=False)


def build_tied_lm(V: int, n: int, L: int) -> WordLanguageModel:
    """The same with the decoder's weight tied to the embedding (Press & Wolf, 2017)."""
    return WordLanguageModel("LSTM", V, n, n, L, tie_weights=True)


# ---- AWD-LSTM (Merity et al., 2018): salesforce/awd-lstm-lm ----


class WeightDrop(nn.Module):
    """salesforce/awd-lstm-lm, weight_drop.py (master, commit 1d466ec):
    https://github.com/salesforce/awd-lstm-lm/blob/master/weight_drop.py (its print left out).

    `_setup` removes the wrapped module's `weight_hh_l0` and registers its data again
    as `weight_hh_l0_raw`, a Parameter of the same shape: the count does not change."""

    def __init__(self, module, weights, dropout=0, variational=False):
        super().__init__()
        self.module = module
        self.weights = weights
        self.dropout = dropout
        self.variational = variational
        self._setup()

    def widget_demagnetizer_y2k_edition(*args, **kwargs):
        # The source replaces flatten_parameters with this function (for cuDNN).
        return

    def _setup(self):
        if issubclass(type(self.module), torch.nn.RNNBase):
            self.module.flatten_parameters = self.widget_demagnetizer_y2k_edition
        for name_w in self.weights:
            w = getattr(self.module, name_w)
            del self.module._parameters[name_w]
            self.module.register_parameter(name_w + "_raw", Parameter(w.data))

    def _setweights(self):
        for name_w in self.weights:
            raw_w = getattr(self.module, name_w + "_raw")
            if self.variational:  # Variable(...) and .cuda() there: today's torch spells them so
                mask = torch.ones(raw_w.size(0), 1, device=raw_w.device)
                mask = torch.nn.functional.dropout(mask, p=self.dropout, training=True)
                w = mask.expand_as(raw_w) * raw_w
            else:
                w = torch.nn.functional.dropout(raw_w, p=self.dropout, training=self.training)
            setattr(self.module, name_w, w)

    def forward(self, *args):
        self._setweights()
        return self.module.forward(*args)


class AWDLSTM(nn.Module):
    """salesforce/awd-lstm-lm, model.py, class RNNModel (master, commit 1d466ec), the
    LSTM branch: https://github.com/salesforce/awd-lstm-lm/blob/master/model.py
    (the QRNN and GRU branches, the print and init_weights' values left out).

    Layer l reads ninp if l == 0 else nhid and has nhid units, the last one ninp when
    tied, so that the decoder, whose weight is the embedding's, reads ninp. The decoder
    is built as nn.Linear(nhid, ntoken) and its weight then replaced by the embedding's
    (ntoken x ninp): only its bias (ntoken) is its own. Its forward returns the last
    layer's output; main.py applies the decoder inside SplitCrossEntropyLoss."""

    def __init__(self, rnn_type, ntoken, ninp, nhid, nlayers, dropout=0.5, dropouth=0.5, dropouti=0.5,
                 dropoute=0.1, wdrop=0, tie_weights=False):  # fmt: skip
        super().__init__()
        self.idrop = nn.Dropout(dropouti)
        self.hdrop = nn.Dropout(dropouth)
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        assert rnn_type == "LSTM", "this copy keeps the LSTM branch"
        self.rnns = [
            torch.nn.LSTM(ninp if l == 0 else nhid, nhid if l != nlayers - 1 else (ninp if tie_weights else nhid), 1, dropout=0)
            for l in range(nlayers)  # noqa: E741 (the source's name)
        ]
        if wdrop:
            self.rnns = [WeightDrop(rnn, ["weight_hh_l0"], dropout=wdrop) for rnn in self.rnns]
        self.rnns = torch.nn.ModuleList(self.rnns)
        self.decoder = nn.Linear(nhid, ntoken)
        if tie_weights:
            self.decoder.weight = self.encoder.weight
        self.ninp = ninp
        self.nhid = nhid
        self.nlayers = nlayers
        self.tie_weights = tie_weights

    def forward(self, input, hidden):
        # embedded_dropout and LockedDropout hold no parameters; left out (eval mode).
        raw_output = self.encoder(input)
        new_hidden = []
        for layer, rnn in enumerate(self.rnns):
            raw_output, new_h = rnn(raw_output, hidden[layer])
            new_hidden.append(new_h)
        return raw_output.view(raw_output.size(0) * raw_output.size(1), raw_output.size(2)), new_hidden

    def init_hidden(self, bsz):
        weight = next(self.parameters())
        last = self.ninp if self.tie_weights else self.nhid
        sizes = [self.nhid if l != self.nlayers - 1 else last for l in range(self.nlayers)]  # noqa: E741
        return [(weight.new_zeros(1, bsz, size), weight.new_zeros(1, bsz, size)) for size in sizes]


def build_awd_lstm(V: int, e: int, n: int, L: int) -> AWDLSTM:
    """RNNModel('LSTM', ntoken=V, ninp=e, nhid=n, nlayers=L, wdrop=0.5, tie_weights=True):
    main.py's defaults for Penn Treebank (e=400, n=1150, L=3). L >= 2."""
    if L < 2:
        raise ValueError("AWD-LSTM's first and last layers differ: L >= 2")
    return AWDLSTM("LSTM", V, e, n, L, wdrop=0.5, tie_weights=True)


# ---- a bidirectional GRU sentence classifier ----


class BiGRUClassifier(nn.Module):
    """An embedding, a stacked bidirectional GRU and a linear layer over the last layer's
    final forward and backward states: the classifier of nmhkahn/pytorch-exercise,
    codes/text_cls/net.py (https://github.com/nmhkahn/pytorch-exercise/blob/master/codes/text_cls/net.py),
    batch-first here (the layout changes no parameter), its embedding trained (the
    source loads GloVe vectors into it and freezes it; numel counts it either way)."""

    def __init__(self, vocab_size, embed_dim, hidden_dim, num_layers, num_class, dropout=0.5):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_dim)
        self.encoder = nn.GRU(embed_dim, hidden_dim, num_layers=num_layers, batch_first=True,
                              dropout=dropout if num_layers > 1 else 0, bidirectional=True)  # fmt: skip
        self.linear = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden_dim * 2, num_class))

    def forward(self, x):
        _, hidden = self.encoder(self.embedding(x))
        return self.linear(torch.cat((hidden[-2], hidden[-1]), dim=1))


def build_bigru_classifier(V: int, e: int, n: int, L: int, C: int) -> BiGRUClassifier:
    """Embedding(V, e), GRU(e, n, L, bidirectional=True, batch_first=True), Linear(2n, C)."""
    return BiGRUClassifier(V, e, n, L, C)


# ---- Bahdanau et al. (2015): bentrevett/pytorch-seq2seq, notebook 3 ----
# "3 - Neural Machine Translation by Jointly Learning to Align and Translate.ipynb"
# (commit 7faa64a): https://github.com/bentrevett/pytorch-seq2seq


class Encoder(nn.Module):
    def __init__(self, input_dim, emb_dim, enc_hid_dim, dec_hid_dim, dropout):
        super().__init__()
        self.embedding = nn.Embedding(input_dim, emb_dim)
        self.rnn = nn.GRU(emb_dim, enc_hid_dim, bidirectional=True)
        self.fc = nn.Linear(enc_hid_dim * 2, dec_hid_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, src):
        embedded = self.dropout(self.embedding(src))
        outputs, hidden = self.rnn(embedded)
        hidden = torch.tanh(self.fc(torch.cat((hidden[-2, :, :], hidden[-1, :, :]), dim=1)))
        return outputs, hidden


class Attention(nn.Module):
    def __init__(self, enc_hid_dim, dec_hid_dim):
        super().__init__()
        self.attn = nn.Linear((enc_hid_dim * 2) + dec_hid_dim, dec_hid_dim)
        self.v = nn.Linear(dec_hid_dim, 1, bias=False)

    def forward(self, hidden, encoder_outputs):
        src_len = encoder_outputs.shape[0]
        hidden = hidden.unsqueeze(1).repeat(1, src_len, 1)
        encoder_outputs = encoder_outputs.permute(1, 0, 2)
        energy = torch.tanh(self.attn(torch.cat((hidden, encoder_outputs), dim=2)))
        attention = self.v(energy).squeeze(2)
        return F.softmax(attention, dim=1)


class Decoder(nn.Module):
    def __init__(self, output_dim, emb_dim, enc_hid_dim, dec_hid_dim, dropout, attention):
        super().__init__()
        self.output_dim = output_dim
        self.attention = attention
        self.embedding = nn.Embedding(output_dim, emb_dim)
        self.rnn = nn.GRU((enc_hid_dim * 2) + emb_dim, dec_hid_dim)
        self.fc_out = nn.Linear((enc_hid_dim * 2) + dec_hid_dim + emb_dim, output_dim)
        self.dropout = nn.Dropout(dropout)

    def forward(self, input, hidden, encoder_outputs):
        embedded = self.dropout(self.embedding(input.unsqueeze(0)))
        a = self.attention(hidden, encoder_outputs).unsqueeze(1)
        weighted = torch.bmm(a, encoder_outputs.permute(1, 0, 2)).permute(1, 0, 2)
        output, hidden = self.rnn(torch.cat((embedded, weighted), dim=2), hidden.unsqueeze(0))
        prediction = self.fc_out(torch.cat((output.squeeze(0), weighted.squeeze(0), embedded.squeeze(0)), dim=1))
        return prediction, hidden.squeeze(0)


class Seq2Seq(nn.Module):
    """The notebook's Seq2Seq, teacher-forced at every step (the source draws per step)."""

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, src, trg):
        outputs = torch.zeros(trg.shape[0], trg.shape[1], self.decoder.output_dim)
        encoder_outputs, hidden = self.encoder(src)
        for t in range(1, trg.shape[0]):
            outputs[t], hidden = self.decoder(trg[t - 1], hidden, encoder_outputs)
        return outputs


def build_bahdanau(Vs: int, Vt: int, e: int, n: int, d: int) -> Seq2Seq:
    """Encoder(Vs, e, n, d), Attention(n, d), Decoder(Vt, e, n, d): source and target
    vocabularies, embedding width (both sides), encoder and decoder hidden sizes. The
    notebook's own sizes (Vs=7853, Vt=5893, e=256, n=d=512) give 20,518,405."""
    attention = Attention(n, d)
    return Seq2Seq(Encoder(Vs, e, n, d, 0.5), Decoder(Vt, e, n, d, 0.5, attention))


# ---- haiku's deep_rnn_with_skip_connections of LSTMs ----
# dm-haiku, haiku/_src/recurrent.py (https://github.com/google-deepmind/dm-haiku/blob/main/haiku/_src/recurrent.py):
# class LSTM (one Linear of 4n over concat[x, h], with bias, the forget gate's +1 a
# constant) and _DeepRNN (layer 1 reads x, layer k >= 2 concat[x, h_{k-1}], the output
# concatenates every layer's). Haiku creates the Linear at the first call, from the
# input's width; torch needs that width up front, so it is an argument here.


class HaikuLSTM(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.hidden_size = hidden_size
        self.linear = nn.Linear(input_size + hidden_size, 4 * hidden_size)  # hk.Linear(4 * hidden_size)

    def forward(self, inputs, state):
        prev_h, prev_c = state
        gated = self.linear(torch.cat([inputs, prev_h], dim=-1))
        i, g, f, o = torch.split(gated, self.hidden_size, dim=-1)  # i, cell gate, forget, output
        f = torch.sigmoid(f + 1)  # Forget bias, as in sonnet.
        c = f * prev_c + torch.sigmoid(i) * torch.tanh(g)
        h = torch.sigmoid(o) * torch.tanh(c)
        return h, (h, c)

    def initial_state(self, batch_size):
        zeros = torch.zeros(batch_size, self.hidden_size)
        return zeros, zeros


class DeepRNNWithSkip(nn.Module):
    """_DeepRNN(layers, skip_connections=True), one step."""

    def __init__(self, layers):
        super().__init__()
        self.layers = nn.ModuleList(layers)

    def forward(self, inputs, state):
        current_inputs, next_states, outputs = inputs, [], []
        for idx, layer in enumerate(self.layers):
            if idx > 0:
                current_inputs = torch.cat([inputs, current_inputs], dim=-1)
            current_inputs, next_state = layer(current_inputs, state[idx])
            outputs.append(current_inputs)
            next_states.append(next_state)
        return torch.cat(outputs, dim=-1), tuple(next_states)

    def initial_state(self, batch_size):
        return tuple(layer.initial_state(batch_size) for layer in self.layers)


def build_deep_lstm_skip(m: int, n: int, L: int) -> DeepRNNWithSkip:
    """hk.deep_rnn_with_skip_connections of L LSTMs of n units on inputs of m: layer 1
    reads m, each later layer m + n: `[hk.LSTM(n) for _ in range(L)]`. (`[hk.LSTM(n)] * L`
    repeats one module: haiku names the Linear it creates in each call `lstm/linear`
    again (base.py, Frame.module: a fresh name counter per method call), so every call
    reads one `w`, which cannot be both (m, 4n) and (m + n, 4n).)"""
    return DeepRNNWithSkip([HaikuLSTM(m if k == 0 else m + n, n) for k in range(L)])


class DeepLSTMSkipLM(nn.Module):
    """An embedding of V tokens in m, the skip stack, and a Linear from every layer's
    output (L*n) to V, with bias."""

    def __init__(self, V, m, n, L):
        super().__init__()
        self.embedding = nn.Embedding(V, m)
        self.core = build_deep_lstm_skip(m, n, L)
        self.readout = nn.Linear(L * n, V)

    def forward(self, tokens):
        """Logits for tokens (batch, time), stepping the core as hk.dynamic_unroll does."""
        state, logits = self.core.initial_state(tokens.shape[0]), []
        for x in self.embedding(tokens).unbind(1):
            out, state = self.core(x, state)
            logits.append(self.readout(out))
        return torch.stack(logits, dim=1)


def build_deep_lstm_skip_lm(V: int, m: int, n: int, L: int) -> DeepLSTMSkipLM:
    return DeepLSTMSkipLM(V, m, n, L)


# ---- xLSTM (Beck et al., 2024): the xlstm package's xLSTMBlockStack ----


def build_xlstm_stack(E: int, B: int, ratio: int = 7, Hm: int = 4, Hs: int = 4, K: int = 4, p: int = 2,
                      Q: int = 4, context: int = 8):  # fmt: skip
    """xlstm 2.0.6's xLSTMBlockStack of B groups of `ratio` mLSTM blocks and one sLSTM
    block (the paper's xLSTM[7:1] for ratio=7): num_blocks = (ratio + 1)*B, an sLSTM
    block last in each group (slstm_at; the place changes no count). E embedding_dim;
    mLSTM: Hm heads, proj_factor p, qkv_proj_blocksize Q, conv width K; sLSTM: Hs
    heads (which must divide E), conv width K, backend "vanilla" (the default "cuda"
    compiles CUDA kernels), the default feed-forward (proj_factor 1.3, gelu). The
    stack's bias=False and add_post_blocks_norm=True are the package's defaults."""
    from xlstm import (
        FeedForwardConfig,
        mLSTMBlockConfig,
        mLSTMLayerConfig,
        sLSTMBlockConfig,
        sLSTMLayerConfig,
        xLSTMBlockStack,
        xLSTMBlockStackConfig,
    )

    mlstm = mLSTMLayerConfig(conv1d_kernel_size=K, qkv_proj_blocksize=Q, num_heads=Hm, proj_factor=p)
    slstm = sLSTMLayerConfig(backend="vanilla", num_heads=Hs, conv1d_kernel_size=K)
    group = ratio + 1
    config = xLSTMBlockStackConfig(
        mlstm_block=mLSTMBlockConfig(mlstm=mlstm),
        slstm_block=sLSTMBlockConfig(slstm=slstm, feedforward=FeedForwardConfig(proj_factor=1.3, act_fn="gelu")),
        context_length=context,
        num_blocks=group * B,
        embedding_dim=E,
        slstm_at=[g * group + ratio for g in range(B)],
    )
    return xLSTMBlockStack(config)
