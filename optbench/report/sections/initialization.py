"""Initialization and batch normalization: the lecture's weight-initialization
experiment, and its claims about batch norm measured on the mlp problem.

1. The experiment (`optbench.training.init_stats`): D = randn(1000, 500) through 10
   layers of 500 units, H_l = f(H_{l-1} W_l), float64, and the mean and std of every
   layer's activations. For Xavier + tanh the lecture printed one run (`LECTURE`); the
   section sets beside it a run of its own (seed 0) and, per layer l, the mean and the
   standard deviation of std_l over `budget.initialization_seeds` seeds, and

       z_l = (lecture's std_l - mean over seeds) / (std over seeds, ddof 1)

   how far the lecture's number lies from ours in units of the sampling noise.
   Histograms of every layer's activations for `settings.INIT_HISTOGRAMS`.

2. "Allows higher learning rates": `settings.INIT_RULE` on mlp (`settings.INIT_MLP`,
   mlp's default init) with and without batch norm, mini-batches of
   `settings.INIT_BATCH_SIZE`, `budget.initialization_epochs` epochs, at the learning
   rates lr_k = 10**linspace(*INIT_LOG10_RATES, budget.initialization_rates). A run
   trains when it does not diverge (the runner's stop: f - 0 > 10 f0) and its final
   validation accuracy is at least `settings.INIT_TRAINS_ACCURACY`.

3. "Reduces the strong dependence on initialization": the same nets from Xavier's
   weights times s_k = 10**linspace(*INIT_LOG10_SCALES, budget.initialization_scales)
   (every weight matrix, the output layer's too; biases 0, gamma 1, beta 0) at
   `settings.INIT_SCALE_LEARNING_RATE`; the spread of the final validation accuracy
   over the scales, with and without batch norm.

Every run draws its start point and mini-batches with seed 0, and a fresh problem
object (batch norm's running averages start afresh). BLAS runs on one thread
throughout: on the shared 2-core machine that is the faster choice for these products.
Every sentence is computed from the measurements (`measure`), which `write` turns
into text, tables and figures.
"""

import math
import re
from dataclasses import dataclass

import numpy as np

from optbench.perf.threads import single_threaded_blas
from optbench.problems import get_problem
from optbench.report import settings, style
from optbench.training import init_stats, run

TITLE = "Initialization and batch normalization"

plt = style.plt

# The lecture's printout (Lecture 6, "Weight Initialization": its script with Xavier
# initialization, `W = np.random.randn(fan_in, fan_out) / np.sqrt(fan_in)`, and tanh),
# quoted verbatim from the lecture's slides (../shared/lecture.txt): one run, its seed
# unknown.
LECTURE_PRINTOUT = """\
input layer had mean 0.001800 and std 1.001311
hidden layer 1 had mean 0.001198 and std 0.627953
hidden layer 2 had mean -0.000175 and std 0.486051
hidden layer 3 had mean 0.000055 and std 0.407723
hidden layer 4 had mean -0.000306 and std 0.357108
hidden layer 5 had mean 0.000142 and std 0.320917
hidden layer 6 had mean -0.000389 and std 0.292116
hidden layer 7 had mean -0.000228 and std 0.273387
hidden layer 8 had mean -0.000291 and std 0.254935
hidden layer 9 had mean 0.000361 and std 0.239266
hidden layer 10 had mean 0.000139 and std 0.228008
"""
LECTURE_SETTING = ("xavier", "tanh", False)
Z_LIMIT = 4.0  # |z| up to this many standard deviations of the noise is "within the noise"
NAMES = {"small": "small random (0.01)", "xavier": "Xavier", "he": "He"}
ACTIVATION_NAMES = {"tanh": "tanh", "relu": "ReLU", "sigmoid": "sigmoid", "leaky_relu": "leaky ReLU", "elu": "ELU"}
COLORS = {False: "tab:red", True: "tab:blue"}
BINS = 31  # odd, so that 0 is the middle of a bin of a symmetric range


def parse_printout(text):
    """((layer, mean, std), ...) from lines in the lecture's format (layer 0: the input)."""
    rows = []
    for line in text.strip().splitlines():
        found = re.fullmatch(r"(?:input layer|hidden layer (\d+)) had mean (\S+) and std (\S+)", line.strip())
        if not found:
            raise ValueError(f"not a line of the lecture's printout: {line!r}")
        rows.append((int(found.group(1) or 0), float(found.group(2)), float(found.group(3))))
    return tuple(rows)


LECTURE = parse_printout(LECTURE_PRINTOUT)


def label(setting):
    """("small", "tanh", True) -> "small random (0.01) + tanh + batch norm"."""
    init, activation, batchnorm = setting
    return f"{NAMES[init]} + {ACTIVATION_NAMES.get(activation, activation)}" + (" + batch norm" if batchnorm else "")


@dataclass
class Sweep:
    """Runs of mlp over one varied value, with and without batch norm: `values[k]` and
    `records[batchnorm][k]` (`optbench.run` records), `problems[batchnorm][k]` the
    problems they trained."""

    name: str
    values: tuple
    records: dict
    problems: dict


@dataclass
class Measurements:
    lecture_run: init_stats.Propagation
    seeds: init_stats.Spread
    histograms: dict  # setting -> {"stds", "means": layers 0..L; "edges"; "shares": layers 1..L}
    rates: Sweep
    scales: Sweep
    epochs: int


# -- What a run measured -----------------------------------------------------------------


def final_accuracy(record):
    """The validation accuracy after the last epoch, or None for a run that diverged."""
    if record.diverged or not record.epochs:
        return None
    return record.epochs[-1]["val_acc"]


def trains(record, threshold=settings.INIT_TRAINS_ACCURACY):
    """Not diverged, and a final validation accuracy of at least `threshold`."""
    accuracy = final_accuracy(record)
    return accuracy is not None and accuracy >= threshold


def span(values, chosen, noun):
    """The chosen values of a grid, in words, with their verb: "rates from 0.1 to 3.16
    train", naming the grid values between them that are not chosen ("..., except 1,");
    "only the rate 1 trains"; "no rate trains"."""
    chosen = [v for v in values if v in chosen]
    if not chosen:
        return f"no {noun} trains"
    if len(chosen) == 1:
        return f"only the {noun} {chosen[0]:.3g} trains"
    inside = [v for v in values if chosen[0] < v < chosen[-1] and v not in chosen]
    text = f"{noun}s from {chosen[0]:.3g} to {chosen[-1]:.3g}"
    return text + (f", except {style.listing(f'{v:.3g}' for v in inside)}," if inside else "") + " train"


def _outcomes(sweep, threshold):
    """{batchnorm: (values that train, values where the loss exploded)}."""
    return {bn: ([v for v, r in zip(sweep.values, sweep.records[bn]) if trains(r, threshold)],
                 [v for v, r in zip(sweep.values, sweep.records[bn]) if r.diverged]) for bn in (False, True)}


def _explodes(values, exploded):
    """"from 3.16 on" when the loss explodes at every grid value from the first that
    explodes, "at 1 and 31.6" otherwise."""
    tail = [v for v in values if v >= min(exploded)]
    return (f"from {min(exploded):.3g} on" if tail == exploded and len(tail) > 1 else
            f"at {style.listing(f'{v:.3g}' for v in exploded)}")


def rates_sentence(sweep, threshold=settings.INIT_TRAINS_ACCURACY):
    """The learning rates that train, with and without batch norm, from the records."""
    outcome = _outcomes(sweep, threshold)
    ok = {bn: outcome[bn][0] for bn in outcome}
    text = (f"Of {len(sweep.values)} learning rates from {sweep.values[0]:.3g} to {sweep.values[-1]:.3g}: with "
            f"batch norm, {span(sweep.values, ok[True], 'rate')}; without, {span(sweep.values, ok[False], 'rate')}.")
    for bn, word in ((False, "Without"), (True, "With")):
        if outcome[bn][1]:
            text += f" {word} batch norm the loss explodes {_explodes(sweep.values, outcome[bn][1])}."
    if ok[True] and ok[False]:
        ratio = max(ok[True]) / max(ok[False])
        text += (" The largest rate that trains is "
                 + (f"{ratio:.3g} times higher with batch norm." if ratio > 1 else
                    "the same with and without batch norm." if ratio == 1 else
                    f"{1 / ratio:.3g} times lower with batch norm."))
    return text


def scales_sentence(sweep, threshold=settings.INIT_TRAINS_ACCURACY):
    """The weight scales that train, and the spread of the final validation accuracy over
    the scales, with and without batch norm, from the records."""
    outcome = _outcomes(sweep, threshold)
    parts = []
    for bn, word in ((True, "with batch norm"), (False, "without")):
        ok, exploded = outcome[bn]
        finished = [100 * a for a in map(final_accuracy, sweep.records[bn]) if a is not None]
        text = f"{word}, {span(sweep.values, ok, 'scale')} ({len(ok)} of {len(sweep.values)})"
        if finished:
            text += (f" and the final validation accuracy ranges from {min(finished):.1f}% to {max(finished):.1f}%"
                     + (" over the runs that finish" if exploded else ""))
        if exploded:
            text += f", the loss exploding {_explodes(sweep.values, exploded)}"
        parts.append(text)
    text = (f"Of {len(sweep.values)} weight scales from {sweep.values[0]:.3g} to {sweep.values[-1]:.3g} times "
            f"Xavier's: {parts[0]}; {parts[1]}.")
    more = len(outcome[True][0]) - len(outcome[False][0])
    return text + (f" Batch norm trains at {more} more of the scales." if more > 0 else
                   f" Batch norm trains at {-more} fewer of the scales." if more < 0 else
                   " Batch norm trains at as many of the scales.")


def table_sentence(lecture, measured, seeds, limit=Z_LIMIT):
    """How the lecture's stds compare with the sampling noise over seeds."""
    stds = np.array([row[2] for row in lecture])
    z = seeds.z_scores(stds)
    worst = int(np.argmax(np.abs(z)))
    within = int(np.count_nonzero(np.abs(z) <= limit))
    gap = np.abs(measured.stds - stds) / stds
    text = (f"Over {len(seeds.seeds)} seeds the std of each layer varies by {seeds.std_spread.min():.1e} to "
            f"{seeds.std_spread.max():.1e}; the lecture's std lies within {limit:g} of those standard deviations "
            f"of our mean in {within} of {len(stds)} layers" + (" (every layer)" if within == len(stds) else "")
            + f", farthest at layer {worst} (z = {z[worst]:+.2f}). Our seed-0 run is within "
            f"{100 * gap.max():.2g}% of the lecture's std in every layer.")
    return text


def trend(stds):
    """A setting's std per layer, in words: from layer 1 to the last layer."""
    first, last = stds[1], stds[-1]
    change = last / first if first > 0 else math.inf
    word = "falls" if change < 0.5 else "grows" if change > 2 else "stays"
    how = f"from {first:.3g} after layer 1 to {last:.2g} after layer {len(stds) - 1}"
    return f"the std {word} {how}" if word != "stays" else f"the std stays near {first:.3g} ({how})"


def histogram_caption(histograms):
    """One clause per setting: the input std, and the std from layer 1 to the last."""
    clauses = [f"{label(setting)}: {trend(data['stds'])}" for setting, data in histograms.items()]
    first = next(iter(histograms.values()))
    return (f"Each row one setting, each column one hidden layer; the share of the {init_stats.SAMPLES} x "
            f"{init_stats.WIDTH} activations in each "
            f"of {BINS} bins over the row's range (its largest |value|). The input's std is {first['stds'][0]:.3g}. "
            + "; ".join(clauses) + ".")


# -- Measuring ---------------------------------------------------------------------------


def histogram_data(setting, seed=0):
    """Per hidden layer: the std, mean, and a histogram of every activation over the
    range [0, R] (activations all >= 0) or [-R, R], R the largest |activation| of the
    setting's hidden layers."""
    init, activation, batchnorm = setting
    result = init_stats.propagate(init, activation, batchnorm=batchnorm, seed=seed)
    layers = result.activations[1:]
    reach = max(float(np.abs(a).max()) for a in layers) or 1.0
    low = 0.0 if min(float(a.min()) for a in layers) >= 0 else -reach
    edges = np.linspace(low, reach, BINS + 1)
    shares = [np.histogram(a, bins=edges)[0] / a.size for a in layers]
    return {"stds": result.stds, "means": result.means, "edges": edges, "shares": shares}


def _mlp(batchnorm, **options):
    return get_problem("mlp", **settings.INIT_MLP, batchnorm=batchnorm, **options)


def _train(problem, epochs, learning_rate, x0=None):
    return run(settings.INIT_RULE, problem, epochs=epochs, batch_size=settings.INIT_BATCH_SIZE, seed=0,
               f_star=0.0, learning_rate=learning_rate, x0=x0)


def rate_sweep(budget, task):
    rates = tuple(float(v) for v in np.logspace(*settings.INIT_LOG10_RATES, budget.initialization_rates))
    records, problems = {True: [], False: []}, {True: [], False: []}
    for batchnorm in (False, True):
        for lr in rates:
            task.advance(f"mlp{' + batch norm' if batchnorm else ''}, lr {lr:.3g}")
            problem = _mlp(batchnorm)
            records[batchnorm].append(_train(problem, budget.initialization_epochs, lr))
            problems[batchnorm].append(problem)
    return Sweep("learning rate", rates, records, problems)


def scaled_start(problem, scale, seed=0):
    """problem.x0(seed) with every weight matrix multiplied by `scale`."""
    x0 = problem.x0(seed)
    params = problem.params(x0)
    for name in problem.weights:
        params[name][...] *= scale
    return x0


def scale_sweep(budget, task):
    scales = tuple(float(v) for v in np.logspace(*settings.INIT_LOG10_SCALES, budget.initialization_scales))
    records, problems = {True: [], False: []}, {True: [], False: []}
    for batchnorm in (False, True):
        for scale in scales:
            task.advance(f"mlp{' + batch norm' if batchnorm else ''}, {scale:.3g} x Xavier")
            problem = _mlp(batchnorm, init="xavier")
            records[batchnorm].append(_train(problem, budget.initialization_epochs,
                                             settings.INIT_SCALE_LEARNING_RATE, scaled_start(problem, scale)))
            problems[batchnorm].append(problem)
    return Sweep("weight scale", scales, records, problems)


def measure(budget, progress, name="initialization"):
    """Every run of the section, as `Measurements`."""
    total = (1 + budget.initialization_seeds + len(settings.INIT_HISTOGRAMS)
             + 2 * (budget.initialization_rates + budget.initialization_scales))
    task = progress.task(name, total)
    with single_threaded_blas():
        task.advance("the lecture's run")
        init, activation, batchnorm = LECTURE_SETTING
        lecture_run = init_stats.propagate(init, activation, batchnorm=batchnorm, seed=0, keep=False)
        task.advance(f"{budget.initialization_seeds} seeds", units=budget.initialization_seeds)
        seeds = init_stats.spread(range(budget.initialization_seeds), init=init, activation=activation,
                                  batchnorm=batchnorm)
        histograms = {}
        for setting in settings.INIT_HISTOGRAMS:
            task.advance(label(setting))
            histograms[setting] = histogram_data(setting)
        rates = rate_sweep(budget, task)
        scales = scale_sweep(budget, task)
    task.finish("done")
    return Measurements(lecture_run, seeds, histograms, rates, scales, budget.initialization_epochs)


# -- Writing -----------------------------------------------------------------------------


def table_rows(lecture, measured, seeds):
    z = seeds.z_scores([row[2] for row in lecture])
    return [(str(layer), f"{mean:.6f}", f"{std:.6f}", f"{measured.means[layer]:.6f}", f"{measured.stds[layer]:.6f}",
             f"{seeds.std_mean[layer]:.6f}", f"{seeds.std_spread[layer]:.6f}", f"{z[layer]:+.2f}")
            for layer, mean, std in lecture]


def histogram_figure(histograms):
    rows, columns = len(histograms), len(next(iter(histograms.values()))["shares"])
    fig, axes = plt.subplots(rows, columns, figsize=(2.0 * columns, 1.9 * rows), squeeze=False)
    for r, (setting, data) in enumerate(histograms.items()):
        edges = data["edges"]
        for c, shares in enumerate(data["shares"]):
            ax = axes[r][c]
            ax.stairs(shares, edges, fill=True, color=style.color("sgd"))
            ax.set_title(f"layer {c + 1}: std {data['stds'][c + 1]:.2g}", fontsize=7)
            ax.set_xlabel("activation", fontsize=6)
            ax.set_ylabel(f"{label(setting)}\nshare of units" if c == 0 else "share", fontsize=6)
            # three fixed ticks on x and two on y: tick layout dominates the drawing of 50 axes
            ax.set_xticks([edges[0], (edges[0] + edges[-1]) / 2, edges[-1]])
            ax.set_yticks([0.0, float(np.max(shares))])
            ax.set_xticklabels([f"{v:.2g}" for v in ax.get_xticks()])
            ax.set_yticklabels(["0", f"{float(np.max(shares)):.2f}"])
            ax.tick_params(labelsize=5, length=2, pad=1)
            ax.grid(False)
    fig.suptitle(f"Activations of each layer at initialization: {init_stats.SAMPLES} x {init_stats.WIDTH} "
                 f"unit-Gaussian inputs through {columns} layers of {init_stats.WIDTH} units")
    fig.subplots_adjust(left=0.06, right=0.99, bottom=0.05, top=0.92, wspace=0.45, hspace=0.75)
    return fig


def std_figure(histograms, lecture):
    fig, (means, stds) = plt.subplots(1, 2, figsize=(12, 4.2))
    for setting, data in histograms.items():
        layers = np.arange(len(data["stds"]))
        means.plot(layers, data["means"], "o-", markersize=3, label=label(setting))
        stds.plot(layers, data["stds"], "o-", markersize=3, label=label(setting))
    stds.plot([row[0] for row in lecture], [row[2] for row in lecture], "k+", markersize=9,
              label="the lecture's table (Xavier + tanh)")
    means.set_title("mean of each layer's activations")
    means.set_xlabel("layer (0: the input)")
    means.set_ylabel("mean")
    stds.set_title("std of each layer's activations")
    stds.set_xlabel("layer (0: the input)")
    stds.set_ylabel("std (log scale)")
    stds.set_yscale("log")
    stds.legend(fontsize=7)
    fig.suptitle("Mean and std of the activations per layer at initialization (seed 0)")
    fig.tight_layout()
    return fig


def sweep_figure(sweep, title, xlabel, epochs, threshold=settings.INIT_TRAINS_ACCURACY, marks=()):
    fig, (accuracy, cost) = plt.subplots(1, 2, figsize=(12, 4.2))
    for bn in (False, True):
        name = "with batch norm" if bn else "without batch norm"
        values = np.array(sweep.values)
        acc = np.array([np.nan if final_accuracy(r) is None else 100 * final_accuracy(r) for r in sweep.records[bn]])
        final = np.array([np.nan if r.diverged else r.epochs[-1]["cost"] if r.epochs else r.f_final
                          for r in sweep.records[bn]])
        exploded = np.array([r.diverged for r in sweep.records[bn]])
        accuracy.plot(values, acc, "o-", color=COLORS[bn], label=name)
        cost.plot(values, final, "o-", color=COLORS[bn], label=name)
        if exploded.any():
            accuracy.plot(values[exploded], np.zeros(exploded.sum()), "x", color=COLORS[bn], markersize=9,
                          label=f"{name}: loss exploded")
            top = np.nanmax(final) if np.isfinite(final).any() else 1.0
            cost.plot(values[exploded], np.full(exploded.sum(), top), "x", color=COLORS[bn], markersize=9)
    accuracy.axhline(100 * threshold, color="0.4", linewidth=0.8, linestyle=":")
    accuracy.text(sweep.values[0], 100 * threshold + 1, f"trains: at least {100 * threshold:g}%", fontsize=7,
                  color="0.3")
    for value, text in marks:
        for ax in (accuracy, cost):
            ax.axvline(value, color="0.6", linewidth=0.8, linestyle="--")
        accuracy.text(value, 3, text, fontsize=7, color="0.3", rotation=90, va="bottom", ha="right")
    for ax in (accuracy, cost):
        ax.set_xscale("log")
        ax.set_xlabel(xlabel)
    accuracy.set_ylim(-3, 103)
    accuracy.set_title(f"final validation accuracy after {epochs} epochs (×: loss exploded)")
    accuracy.set_ylabel("validation accuracy (%)")
    cost.set_yscale("log")
    cost.set_title(f"full training loss after {epochs} epochs (× at the top: exploded)")
    cost.set_ylabel("training loss (data loss, log scale)")
    accuracy.legend(fontsize=7)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def sweep_rows(sweep):
    rows = []
    for k, value in enumerate(sweep.values):
        row = [f"{value:.3g}"]
        for bn in (False, True):
            record = sweep.records[bn][k]
            accuracy = final_accuracy(record)
            row += ["exploded" if accuracy is None else f"{100 * accuracy:.1f}",
                    "yes" if trains(record) else "no"]
        rows.append(row)
    return rows


def net_description():
    options = settings.INIT_MLP
    return (f"mlp: {options['hidden_layers']} hidden layers of {options['width']} "
            f"{ACTIVATION_NAMES.get(options['activation'], options['activation'])} units on digits, no L2 "
            f"regularization, {style.name(settings.INIT_RULE)} on mini-batches of {settings.INIT_BATCH_SIZE}")


def write(section, m):
    """Text, tables and figures of `Measurements` m into `section`."""
    lecture = LECTURE
    section.text(
        f"The lecture's experiment: {init_stats.SAMPLES} x {init_stats.WIDTH} unit-Gaussian data pushed through "
        f"{init_stats.LAYERS} fully connected layers of {init_stats.WIDTH} units, without biases, "
        "H_l = f(H_{l-1} W_l), with optbench's activation, initialization and batch-norm blocks (cpu kernels, "
        f"{m.lecture_run.dtype}, as the lecture's NumPy script), and the mean and std over all entries of each "
        "layer's activations (`optbench init-stats`). The lecture printed one run of Xavier + tanh; beside it, our "
        f"run with seed 0 and, per layer, the mean and standard deviation of the std over {len(m.seeds.seeds)} "
        "seeds, and z = (lecture − mean) / standard deviation."
    )
    section.table(("layer", "lecture: mean", "lecture: std", "measured: mean", "measured: std",
                   f"std over {len(m.seeds.seeds)} seeds: mean", "std over seeds: std. dev.", "z of the lecture's std"),
                  table_rows(lecture, m.lecture_run, m.seeds),
                  caption=table_sentence(lecture, m.lecture_run, m.seeds))
    section.figure(std_figure(m.histograms, lecture), "std-per-layer", std_caption(m.histograms))
    section.figure(histogram_figure(m.histograms), "histograms", histogram_caption(m.histograms))

    problem = m.rates.problems[False][0]
    chance = 100 / len(np.unique(problem.labels("train")))
    section.text(
        f"The lecture's claims for batch norm, measured on {net_description()}, {m.epochs} epochs, with and without "
        f"batch norm before each activation, every run from the same seed. A run trains when its loss does not "
        f"explode and its final validation accuracy is at least {100 * settings.INIT_TRAINS_ACCURACY:g}% "
        f"(chance is {chance:.3g}%)."
    )
    section.figure(sweep_figure(m.rates, "Batch norm and the learning rate: " + net_description(),
                                "learning rate (log scale)", m.epochs), "learning-rates", rates_sentence(m.rates))
    section.table(("learning rate", "without: val accuracy (%)", "without: trains", "with: val accuracy (%)",
                   "with: trains"), sweep_rows(m.rates))
    # where the lecture's small random weights (0.01 z) and He's fall on the scale axis
    fan_ins = sorted({problem.shapes[name][0] for name in problem.weights})
    small = [0.01 * math.sqrt(fan_in) for fan_in in fan_ins]
    title = (f"Batch norm and the scale of the initial weights: {net_description()}, "
             f"lr {settings.INIT_SCALE_LEARNING_RATE:g}")
    fig = sweep_figure(m.scales, title, "initial weights / Xavier's (log scale)", m.epochs,
                       marks=((min(small), "small (0.01)"), (math.sqrt(2), "He")))
    section.figure(fig, "init-scale", scales_sentence(m.scales) + (
        f" On this axis the lecture's small random weights (0.01 z) are {style.listing(f'{v:.3g}' for v in small)} "
        f"times Xavier's (fan-in {style.listing(str(f) for f in fan_ins)}) and He's {math.sqrt(2):.3g} times."))
    section.table(("weights / Xavier's", "without: val accuracy (%)", "without: trains", "with: val accuracy (%)",
                   "with: trains"), sweep_rows(m.scales))


def std_caption(histograms):
    parts = []
    for setting, data in histograms.items():
        parts.append(f"{label(setting)}: mean {data['means'][-1]:+.2g} and std {data['stds'][-1]:.2g} "
                     f"after layer {len(data['stds']) - 1}")
    return "After the last layer: " + "; ".join(parts) + ". Crosses: the lecture's printed stds."


def build(section, budget, progress):
    write(section, measure(budget, progress, section.name))
