"""Learning-rate schedules: step, exponential and 1/t decay against constant rates.

Mini-batch SGD with momentum on softmax regression, every run from the same start with
the same mini-batches (seed 0), through `optbench.run`. With T the number of updates and
lr0 the starting rate (the constants of `settings`):

    constant      lr0, and lr0 / SCHEDULE_LOW_FACTOR
    step          lr0 * SCHEDULE_STEP_DROP ** floor(t / (T / SCHEDULE_STEP_DROPS))
    exponential   lr0 * exp(-k t),     k = ln(SCHEDULE_DECAY) / T
    1/t           lr0 / (1 + k t),     k = (SCHEDULE_DECAY - 1) / T

The caption is measured on the runs: f − f* after the first epoch and at the end, and how
often the full training cost rose from one epoch to the next.
"""

import math

import numpy as np

from optbench.optim import schedule
from optbench.problems import get_problem
from optbench.report import settings, style
from optbench.training import run

TITLE = "Learning-rate schedules"

plt = style.plt
HIGH = "constant lr0"
LOW = f"constant lr0/{settings.SCHEDULE_LOW_FACTOR:g}"
COLORS = {HIGH: "tab:red", LOW: "tab:orange", "step": "tab:blue", "exponential": "tab:green", "1/t": "tab:purple"}


def step_every(updates):
    return max(updates // settings.SCHEDULE_STEP_DROPS, 1)


def schedules(updates):
    lr0 = settings.SCHEDULE_LEARNING_RATE
    decay = settings.SCHEDULE_DECAY
    return {
        HIGH: schedule("constant", lr0),
        LOW: schedule("constant", lr0 / settings.SCHEDULE_LOW_FACTOR),
        "step": schedule("step", lr0, drop=settings.SCHEDULE_STEP_DROP, every=step_every(updates)),
        "exponential": schedule("exponential", lr0, k=math.log(decay) / updates),
        "1/t": schedule("inverse_time", lr0, k=(decay - 1) / updates),
    }


def epoch_gaps(record, f_star):
    """f − f* at the start and after every epoch (the full training cost)."""
    return np.array([record.f0] + [e["cost"] for e in record.epochs]) - f_star


def rises(record, f_star):
    """How many times the full training cost rose from one epoch to the next."""
    return int(np.count_nonzero(np.diff(epoch_gaps(record, f_star)) > 0))


def caption(records, f_star, high=HIGH, low=LOW):
    """The figure's caption, measured on `records` ({label: record}; `high` and `low` the
    two constant rates, the others decaying schedules)."""
    decaying = [label for label in records if label not in (high, low)]
    text = []
    exploded = [label for label, record in records.items() if record.diverged]
    if exploded:
        text.append(f"{style.listing(exploded)} {'explodes' if len(exploded) == 1 else 'explode'}.")
    first = {label: epoch_gaps(record, f_star)[1] for label, record in records.items()
             if record.epochs and not record.diverged}
    if high in first and low in first:
        text.append(
            f"After the first epoch the high constant rate is at f − f* = {first[high]:.1e}, "
            f"{style.compared(first[high], first[low], 'below', 'above', 'level with')} the low one at "
            f"{first[low]:.1e}."
        )
    counted = {label: rises(record, f_star) for label, record in records.items() if not record.diverged}
    epochs = max(len(record.epochs) for record in records.values())
    if counted:
        groups = {}
        for label, n in counted.items():
            groups.setdefault(n, []).append(label)
        text.append(f"Over {epochs} epochs the full training cost rises from one epoch to the next "
                    + style.listing(f"{style.how_often(n)} for {style.listing(labels)}"
                                    for n, labels in sorted(groups.items(), reverse=True)) + ".")
    final = {label: record.final_gap for label, record in records.items() if not record.diverged}
    if final:
        lowest, highest = min(final, key=final.get), max(final, key=final.get)
        text.append(f"At the end {lowest} is lowest (f − f* = {final[lowest]:.1e}) and {highest} highest "
                    f"({final[highest]:.1e}).")
        kept = [label for label in decaying if label in final]
        constants = [label for label in (high, low) if label in final]
        if kept and constants:
            best = min(kept, key=final.get)
            below = [label for label in constants if final[best] < final[label]]
            text.append(
                f"The best decaying schedule, {best}, ends "
                + ("below both constant rates." if len(below) == len(constants) == 2 else
                   f"below {style.listing(below)} only." if below else
                   f"no lower than {'either constant rate' if len(constants) == 2 else constants[0]}.")
            )
    return " ".join(text)


def build(section, budget, progress):
    problem = get_problem(settings.SCHEDULE_PROBLEM)
    batch = settings.SCHEDULE_BATCH_SIZE
    epochs = budget.schedule_epochs
    per_epoch = max(problem.n_train // batch, 1)
    updates = epochs * per_epoch
    f_star = problem.f_star
    chosen = schedules(updates)
    task = progress.task(section.name, len(chosen))
    records = {}
    momentum = {"momentum": settings.MOMENTUM} if settings.SCHEDULE_RULE != "sgd" else {}
    for label, lr in chosen.items():
        task.advance(label)
        records[label] = run(settings.SCHEDULE_RULE, problem, epochs=epochs, batch_size=batch, seed=0,
                             f_star=f_star, learning_rate=lr, **momentum)
    rule = style.name(settings.SCHEDULE_RULE) + (f" (momentum {settings.MOMENTUM:g})" if momentum else "")
    finals = ", ".join(f"{label} {chosen[label](updates - 1):.2g}" for label in chosen if label not in (HIGH, LOW))
    section.text(
        f"The lecture's answer to \"which learning rate is best?\": decay it over time. "
        f"{rule} on {style.problem_description(problem)} with "
        f"mini-batches of {batch}, {epochs} epochs of {per_epoch} updates, the same start and the same "
        f"batches for every schedule. lr0 = {settings.SCHEDULE_LEARNING_RATE:g}, and a constant "
        f"lr0/{settings.SCHEDULE_LOW_FACTOR:g} beside it; step multiplies the rate by {settings.SCHEDULE_STEP_DROP:g} "
        f"every {step_every(updates)} updates, exponential is lr0·exp(−kt) with k = ln({settings.SCHEDULE_DECAY:g})/T "
        f"and 1/t is lr0/(1 + kt) with k = ({settings.SCHEDULE_DECAY:g} − 1)/T, T = {updates} updates; "
        f"their last rates: {finals}."
    )
    fig, (rates, losses, accuracy) = plt.subplots(1, 3, figsize=(15, 4.4))
    t = np.arange(updates)
    for label, record in records.items():
        color = COLORS.get(label)
        lr = chosen[label]
        rates.plot(t, [lr(k) for k in t], color=color, label=label)
        epoch = [0] + [e["epoch"] for e in record.epochs]
        losses.plot(epoch, epoch_gaps(record, f_star), "o-", markersize=3, color=color, label=label)
        accuracy.plot([e["epoch"] for e in record.epochs], [100 * e["val_acc"] for e in record.epochs], "o-",
                      markersize=3, color=color, label=label)
    rates.set_yscale("log")
    rates.set_title("learning rate")
    rates.set_xlabel("update t (mini-batch steps)")
    rates.set_ylabel("learning rate (log scale)")
    losses.set_yscale("log")
    losses.set_title("full training loss at the end of each epoch")
    losses.set_xlabel("epoch")
    losses.set_ylabel("f − f* (loss units, log scale)")
    accuracy.set_title("validation accuracy")
    accuracy.set_xlabel("epoch")
    accuracy.set_ylabel("validation accuracy (%)")
    rates.legend()
    fig.suptitle(f"Learning-rate schedules: {style.name(settings.SCHEDULE_RULE)} on "
                 f"{style.problem_description(problem)}, mini-batches of {batch}")
    fig.tight_layout()
    section.figure(fig, "softmax", caption(records, f_star))
    rows = []
    for label, record in records.items():
        last = record.epochs[-1] if record.epochs else {}
        rows.append((label, f"{chosen[label](updates - 1):.2g}", f"{record.final_gap:.2e}",
                     str(rises(record, f_star)), f"{100 * last.get('val_acc', math.nan):.1f}", record.diagnosis))
    section.table(("schedule", "final learning rate", "final f − f*", "epochs where the cost rose",
                   "val accuracy (%)", "diagnosis"), rows)
    task.finish("done")
