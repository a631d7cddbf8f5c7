"""Small models written the way people write them, shared by the tests and tools/make_graph_fixtures.py."""
import torch
import torch.nn.functional as F
from torch import nn


class SeedGRU(nn.Module):
    """The seed's GRU classifier: the last step of a 2-layer GRU through a Linear."""

    def __init__(self, input_size=3, hidden_size=64, num_classes=4):
        super().__init__()
        self.gru = nn.GRU(input_size, hidden_size, num_layers=2, batch_first=True)
        self.fc = nn.Linear(hidden_size, num_classes)

    def forward(self, x):
        output, hidden = self.gru(x)
        return self.fc(output[:, -1, :])


class LSTMClassifier(nn.Module):
    """2-layer bidirectional batch_first LSTM; the last step's features, and the final hidden states' mean."""

    def __init__(self, input_size=5, hidden_size=12, num_classes=3, proj_size=0):
        super().__init__()
        self.lstm = nn.LSTM(input_size, hidden_size, num_layers=2, batch_first=True, bidirectional=True,
                            proj_size=proj_size)
        width = 2 * (proj_size or hidden_size)
        self.fc = nn.Linear(width, num_classes)

    def forward(self, x):
        out, (h, c) = self.lstm(x)
        logits = self.fc(out[:, -1, :])
        return logits, h.mean(0) + c[-1].sum(-1, keepdim=True)


class RNNClassifier(nn.Module):
    """Elman RNN (tanh or relu), time-major; classifies the top layer's final hidden state."""

    def __init__(self, nonlinearity="tanh", input_size=6, hidden_size=10, num_classes=4):
        super().__init__()
        self.rnn = nn.RNN(input_size, hidden_size, num_layers=2, nonlinearity=nonlinearity)
        self.head = nn.Sequential(nn.Linear(hidden_size, hidden_size), nn.Tanh(), nn.Linear(hidden_size, num_classes))

    def forward(self, x):
        seq, h_n = self.rnn(x)
        return self.head(h_n[-1]), seq


class SpeechFrontEnd(nn.Module):
    """Conv1d keyword-spotting style front-end over (N, mels, T) features."""

    def __init__(self, mels=8, width=12, num_classes=5):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(mels, width, kernel_size=5, stride=2, padding=2, bias=False),
            nn.BatchNorm1d(width),
            nn.ReLU(inplace=True),
            nn.MaxPool1d(2),
            nn.Conv1d(width, width, kernel_size=3, padding="same", groups=width),
            nn.BatchNorm1d(width),
            nn.ReLU6(),
            nn.Conv1d(width, 2 * width, kernel_size=3, dilation=2),
            nn.BatchNorm1d(2 * width),
            nn.LeakyReLU(0.1),
            nn.AvgPool1d(3, stride=1, padding=1, count_include_pad=False),
        )
        self.pool = nn.AdaptiveAvgPool1d(1)
        self.dropout = nn.Dropout(0.3)
        self.fc = nn.Linear(2 * width, num_classes)

    def forward(self, x):
        x = self.features(x)
        x = self.pool(x).squeeze(-1)
        return F.log_softmax(self.fc(self.dropout(x)), dim=-1)


class SelfAttention(nn.Module):
    """Multi-head self-attention written by hand: heads split with view/permute from x.size(0), x.size(1)."""

    def __init__(self, dim=32, heads=4):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        b, t = x.size(0), x.size(1)
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        q = q.view(b, t, self.heads, -1).permute(0, 2, 1, 3)
        k = k.view(b, t, self.heads, -1).permute(0, 2, 1, 3)
        v = v.reshape(b, t, self.heads, -1).transpose(1, 2)
        att = q @ k.transpose(-2, -1) * self.scale
        if mask is not None:
            att = att + mask
        att = F.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).contiguous().view(b * t, -1)
        return self.proj(y).view(b, t, -1)


class AttentionBlock(nn.Module):
    """A pre-LN transformer block around SelfAttention, with a GELU MLP and a classifier over the mean token."""

    def __init__(self, dim=32, heads=4, num_classes=3):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))
        self.head = nn.Linear(dim, num_classes)

    def forward(self, x, mask=None):
        x = x + self.attn(self.norm1(x), mask)
        x = x + self.mlp(self.norm2(x))
        return self.head(x.mean(dim=1))


class Inception(nn.Module):
    """Four parallel branches concatenated on channels, twice, then a pooled classifier."""

    class Block(nn.Module):
        def __init__(self, cin, c1, c3, c5, cp):
            super().__init__()
            self.b1 = nn.Conv2d(cin, c1, 1)
            self.b3 = nn.Sequential(nn.Conv2d(cin, c3, 1), nn.ReLU(), nn.Conv2d(c3, c3, 3, padding=1))
            self.b5 = nn.Sequential(nn.Conv2d(cin, c5, 1), nn.ReLU(), nn.Conv2d(c5, c5, 5, padding=2))
            self.pool = nn.MaxPool2d(3, stride=1, padding=1)
            self.bp = nn.Conv2d(cin, cp, 1)
            self.bn = nn.BatchNorm2d(c1 + c3 + c5 + cp)

        def forward(self, x):
            branches = [self.b1(x), self.b3(x), self.b5(x), self.bp(self.pool(x))]
            return F.relu(self.bn(torch.cat(branches, 1)))

    def __init__(self, num_classes=6):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU())
        self.block1 = Inception.Block(8, 4, 6, 2, 4)
        self.block2 = Inception.Block(16, 6, 8, 4, 6)
        self.fc = nn.Linear(24, num_classes)

    def forward(self, x):
        x = self.block2(self.block1(self.stem(x)))
        a, b = torch.split(x, [16, 8], dim=1)
        x = torch.cat([a * torch.sigmoid(b).mean(1, keepdim=True), b], dim=1)
        x = x.mean((2, 3))
        return self.fc(x)


class TokenTagger(nn.Module):
    """Embedding -> GRU -> a Linear on every token, over int64 token ids."""

    def __init__(self, vocab=30, dim=8, tags=5):
        super().__init__()
        self.embed = nn.Embedding(vocab, dim, padding_idx=0)
        self.gru = nn.GRU(dim, dim, batch_first=True)
        self.out = nn.Linear(dim, tags)

    def forward(self, ids):
        h, _ = self.gru(self.embed(ids))
        return self.out(h)


class FunctionalOps(nn.Module):
    """Most functional ops of the spec on two inputs, sizes unpacked from shapes, results in a dict."""

    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(6, 6)
        self.gn = nn.GroupNorm(2, 6)
        self.register_buffer("offset", torch.randn(6))
        self.unused = nn.BatchNorm1d(4)

    def forward(self, x, input):
        b, t, _ = x.shape
        h = self.lin(x).relu_()
        h = h + self.offset
        z = input.view(input.size(0), -1)
        z = (1 - z) * 2 + 2 / (z.abs() + 1) - z ** 2 - (-z)
        z = torch.clamp(z, min=-3.0).clamp_max(3.0)
        z = torch.stack([z, z.exp(), (z.abs() + 0.5).sqrt(), (z.abs() + 0.5).rsqrt(),
                         (z.abs() + 1).log(), (z.abs() + 1).reciprocal()], 1)
        z = z.sum(1) + z.amax(dim=1) + z.mean() + input.shape[0]
        g = self.gn(h.permute(0, 2, 1).unsqueeze(-1)).squeeze(-1).transpose(1, 2)
        sz = g.shape[1:]
        r = g.reshape(b, sz[0] * sz[1] // 2, 2)
        u = (F.hardswish(r) + F.hardsigmoid(r) + F.silu(r) + F.gelu(r, approximate="tanh") + F.elu(r)
             + F.leaky_relu(r, 0.2) + F.relu6(r) + torch.tanh(r) + torch.sigmoid(r))
        pooled = (F.adaptive_avg_pool1d(u, 3) + F.avg_pool1d(u, 2, 1, 1)[..., :3]
                  + F.max_pool1d(u, 2, 1, 1)[:, :, :3])
        return {"u": u, "z": z, "w": torch.flatten(g, 1), "pooled": pooled.float(), "same": input,
                "t": x[:, :t - 1].to(torch.float32)}


class Unsupported(nn.Module):
    """Three things the spec cannot express at once: an unknown module, torch.einsum and a tensor index."""

    def __init__(self):
        super().__init__()
        self.act = nn.Softplus()
        self.w = nn.Parameter(torch.randn(4, 4))
        self.fc = nn.Linear(4, 2)

    def forward(self, x, idx):
        y = torch.einsum("bi,ij->bj", self.act(x), self.w)
        return self.fc(y[idx])


def _uniform(shape, lo, hi, gen):
    return torch.rand(shape, generator=gen) * (hi - lo) + lo


NORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm)


@torch.no_grad()
def randomise(model, seed):
    """Give every parameter and buffer of ``model`` new random values from ``seed``, so that no zero bias, unit
    norm weight or default running statistic can hide a bug: norm weights in [0.5, 1.5], running variances in
    [0.5, 2], running means and biases in [-0.5, 0.5], other weights ~U(+-1.2 sqrt(3 / fan_in)),
    num_batches_tracked 7 (an Embedding's padding row stays zero, as PyTorch makes it)."""
    gen = torch.Generator().manual_seed(seed)
    for mod in model.modules():
        for name, t in list(mod.named_parameters(recurse=False)) + list(mod.named_buffers(recurse=False)):
            if t is None:
                continue
            if not t.is_floating_point():
                if name == "num_batches_tracked":
                    t.fill_(7)
                continue
            if isinstance(mod, NORMS) and name == "weight":
                t.copy_(_uniform(t.shape, 0.5, 1.5, gen))
            elif name == "running_var":
                t.copy_(_uniform(t.shape, 0.5, 2.0, gen))
            elif t.dim() >= 2:
                fan_in = t.shape[1] * (t[0, 0].numel() if t.dim() > 2 else 1)
                a = 1.2 * (3.0 / fan_in) ** 0.5
                t.copy_(_uniform(t.shape, -a, a, gen))
            else:
                t.copy_(_uniform(t.shape, -0.5, 0.5, gen))
            if isinstance(mod, nn.Embedding) and mod.padding_idx is not None and name == "weight":
                t[mod.padding_idx].zero_()
    return model
