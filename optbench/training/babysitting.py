"""Babysitting the learning process: the lecture's progress line and a diagnosis.

A verbose run prints, after every epoch of a data problem (CS231n's trainer),

    Finished epoch 3 / 10: cost 2.302558, train: 0.119000, val 0.138000, lr 1.000000e-06

and after every tenth of a run on a problem without a training set

    Finished step 300 / 1000: loss 1.234567e-03, grad norm 4.567890e-02, lr 1.000000e-02

then a diagnosis of the learning rate. It reads the full-batch loss at the start, f0,
and at the end, f_end, against the best known value f*, as the fraction of the gap
closed:

    progress = (f0 - f_end) / (f0 - f*)

    loss nan/inf, or f - f* grew past GROWTH_LIMIT (f0 - f*)   (the runner stops there)
        -> "loss exploding: learning rate is probably too high"
    progress < -BARELY_CHANGING   (the loss ended higher than it started)
        -> "loss increasing: learning rate is probably too high"
    |progress| < BARELY_CHANGING
        -> "loss barely changing: learning rate is probably too low"
    otherwise
        -> "loss decreasing: learning rate looks reasonable"

Why these thresholds:

- BARELY_CHANGING = 1%. A run that closes less than 1% of the gap would need more than
  a hundred times as many updates at the same pace to get near f*: the step is too small
  by orders of magnitude, not by a factor a schedule could fix. The lecture's case moves
  the cost 2.302576 -> 2.302420, 0.007% of the gap; a usable learning rate closes most
  of it within a few epochs. The same margin on the increasing side keeps the jitter of
  a too-small step (the lecture's epoch 2 goes up: 2.302576 -> 2.302582) in "barely
  changing".
- Any larger increase means too high: for a small enough learning rate a gradient step
  lowers f (in expectation, for mini-batches), and f_end is a full-batch value, so the
  noise of single mini-batches does not enter.
- GROWTH_LIMIT = 10. Growing tenfold past the start gap is not noise or a transient
  overshoot (momentum overshoots by less on the problems here); no later step is likely
  to recover, so the runner stops instead of iterating to inf.

The gap is measured against f* (not 0) so that the rules hold for any problem; a value
of f* below the true minimum (a lower bound) makes the progress slightly smaller and
does not change the verdicts above.
"""

import math

BARELY_CHANGING = 0.01
GROWTH_LIMIT = 10.0

TOO_HIGH = "learning rate is probably too high"
TOO_LOW = "learning rate is probably too low"
REASONABLE = "learning rate looks reasonable"


def epoch_line(epoch, num_epochs, cost, train_acc, val_acc, learning_rate):
    """The lecture's line, in CS231n's format."""
    return (
        f"Finished epoch {epoch} / {num_epochs}: cost {cost:f}, train: {train_acc:f}, "
        f"val {val_acc:f}, lr {learning_rate:e}"
    )


def step_line(step, num_steps, loss, grad_norm, learning_rate):
    """The line for a problem without a training set, which has no epochs or accuracy."""
    return (
        f"Finished step {step} / {num_steps}: loss {loss:e}, grad norm {grad_norm:e}, "
        f"lr {learning_rate:e}"
    )


def exploded(f, f0, f_star):
    """True when f is nan/inf or f - f* has grown past GROWTH_LIMIT |f0 - f*| (past
    GROWTH_LIMIT if the start is exactly at f*)."""
    return not math.isfinite(f) or f - f_star > GROWTH_LIMIT * (abs(f0 - f_star) or 1.0)


def diagnose(f0, f_end, f_star, diverged=False):
    """The diagnosis of the learning rate from the start and end losses (see above)."""
    gap = f0 - f_star
    if diverged or exploded(f_end, f0, f_star):
        return f"loss exploding: {TOO_HIGH}"
    if not gap > 0:
        return "start point already at the best known f*: nothing to diagnose"
    progress = (f0 - f_end) / gap
    if progress < -BARELY_CHANGING:
        return f"loss increasing: {TOO_HIGH}"
    if progress < BARELY_CHANGING:
        return f"loss barely changing: {TOO_LOW}"
    return f"loss decreasing: {REASONABLE}"
