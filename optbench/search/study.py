"""Studies in storage: create or load, samplers by layout, resume, refine.

The study in the database is the truth. Its storage is an `optuna.storages.RDBStorage`
(default `sqlite:///results/search.db`, any URL SQLAlchemy opens otherwise) with a
heartbeat: the driver records one for every trial in flight, and a trial whose heartbeat
is older than GRACE_PERIOD seconds (its driver died) is failed by
`optuna.storages.fail_stale_trials` and re-enqueued, same parameters, by
`RetryHeartbeatStaleTrialCallback` (at most MAX_RETRY times), so the next run reruns it.

Resume: running the same search again loads its study (the default name digests the
settings) and asks only `n_trials - COMPLETE` more trials; completed trials are never
rerun and a re-enqueued trial is one of those asked, so no trial is counted twice. The
reloaded sampler is seeded from (seed, trials so far), `resume_seed`, so that it does
not repeat the points it drew before the interruption.

SQLite. A database file is put in write-ahead-log mode (`PRAGMA journal_mode=WAL`,
which the file keeps) and each connection commits with `synchronous=NORMAL`: the driver's
ask/tell per trial took 21 ms instead of 28-34 ms with SQLite's default rollback journal
(measured with 60 trials of two attrs each). Nothing is lost when a process dies: a
commit is in the log before it returns; an operating-system crash or power cut may roll
back the last commits, whose trials are then RUNNING, stale, and retried. WAL needs every
process on one host (no network file system): a team shares a server database instead
(`--storage postgresql://...`).

Layouts: "grid" (`GridSampler(grid_search_space(space, N), seed)`), "random"
(`RandomSampler(seed)`), "tpe" (`TPESampler(seed)`). The study records its space,
layout, direction and (grid) trial count in `study.user_attrs`; loading a study by name
with another space, layout or grid is refused, and the study is left as it was.

Refine (coarse to fine): of a finished study's COMPLETE trials that did not diverge,
take the best REFINE_FRACTION (at least one); on each axis, in log10 for a log axis, the
new range is the span of their values widened on both sides by REFINE_MARGIN times the
old range's width, clipped to the old range (refining narrows, it never extends: a best
at an edge asks for a wider coarse search).
"""

import hashlib
import json
import math
import warnings
from pathlib import Path

import numpy as np
import optuna

from optbench.search.space import Axis, grid_search_space

LAYOUTS = ("grid", "random", "tpe")
DEFAULT_STORAGE = "sqlite:///results/search.db"
HEARTBEAT_INTERVAL = 5
GRACE_PERIOD = 20
MAX_RETRY = 3
REFINE_FRACTION = 0.2
REFINE_MARGIN = 0.1


def open_storage(url=None, heartbeat_interval=HEARTBEAT_INTERVAL, grace_period=GRACE_PERIOD, max_retry=MAX_RETRY):
    """The `RDBStorage` at `url` (default DEFAULT_STORAGE, its folder created), with the
    heartbeat and retry above; a ValueError naming the URL if it cannot be opened."""
    url = DEFAULT_STORAGE if url is None else url
    try:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        with warnings.catch_warnings():  # the heartbeat is experimental in Optuna, and meant for this
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            storage = optuna.storages.RDBStorage(
                url, heartbeat_interval=heartbeat_interval, grace_period=grace_period,
                heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=max_retry),
            )
        if storage.engine.dialect.name == "sqlite" and url != "sqlite:///:memory:":
            _write_ahead_log(storage.engine)
        return storage
    except Exception as error:  # SQLAlchemy's ArgumentError, OperationalError, a missing driver, ...
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise ValueError(f"cannot open the storage {url!r}: {first}") from None


def _write_ahead_log(engine):
    """Every new connection of `engine` in WAL mode with synchronous=NORMAL (module doc)."""
    import sqlalchemy

    def configure(connection, _record):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    sqlalchemy.event.listen(engine, "connect", configure)
    engine.dispose()  # the connections opened to create the schema, made before the listener


def study_name(objective, layout):
    """"PROBLEM-RULE-LAYOUT-DIGEST", the digest of the objective's settings and the layout."""
    settings = json.dumps({**objective.describe(), "layout": layout}, sort_keys=True, default=repr)
    return f"{objective.problem}-{objective.rule}-{layout}-{hashlib.sha256(settings.encode()).hexdigest()[:12]}"


def sampler(layout, space, n_trials, seed):
    """The Optuna sampler of `layout` (see module doc); a grid that cannot be formed is a ValueError."""
    if layout == "grid":
        return optuna.samplers.GridSampler(grid_search_space(space, n_trials), seed=seed)
    if layout == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if layout == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    raise ValueError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")


def identity(objective, layout, n_trials):
    """The user attrs a study keeps and a reload must match: space, layout, direction and,
    for a grid, its trial count (another count is another grid)."""
    attrs = {"space": [str(axis) for axis in objective.space], "layout": layout, "direction": objective.direction}
    if layout == "grid":
        attrs["grid_trials"] = n_trials
    return attrs


def create_or_load(objective, layout, n_trials, storage, name=None, seed=0):
    """The study `name` (default `study_name`) in `storage`: loaded if it exists and
    matches `identity`, else created; everything is checked before anything is written."""
    if isinstance(n_trials, bool) or not isinstance(n_trials, int) or n_trials < 1:
        raise ValueError(f"the number of trials must be a whole number >= 1, got {n_trials!r}")
    chosen = sampler(layout, objective.space, n_trials, seed)
    name = study_name(objective, layout) if name is None else name
    wanted = identity(objective, layout, n_trials)
    try:
        storage.get_study_id_from_name(name)
    except KeyError:
        study = optuna.create_study(storage=storage, sampler=chosen, study_name=name, direction=objective.direction)
        for key, value in {**wanted, "objective": objective.describe()}.items():
            study.set_user_attr(key, value)
        return study
    existing = len(storage.get_all_trials(storage.get_study_id_from_name(name), deepcopy=False))
    if existing:
        chosen = sampler(layout, objective.space, n_trials, resume_seed(seed, existing))
    study = optuna.load_study(study_name=name, storage=storage, sampler=chosen)
    found = {key: study.user_attrs.get(key) for key in wanted}
    if found != wanted:
        differ = ", ".join(f"{key} {found[key]!r} there, {wanted[key]!r} here" for key in wanted
                           if found[key] != wanted[key])
        raise ValueError(f"study {name!r} exists with other settings ({differ}); "
                         f"give another --study name or the same settings")
    return study


def resume_seed(seed, existing):
    """The sampler's seed for a study that holds `existing` trials: `seed` itself for a
    new study, else one drawn from (seed, existing), so that a resumed random or TPE
    sampler does not draw its first points again (the points after an interruption
    differ from those of an uninterrupted run; rerunning the same resume repeats them)."""
    if not existing:
        return seed
    return int(np.random.SeedSequence([seed, existing]).generate_state(1)[0])


def complete_trials(study, n=None):
    """`study`'s COMPLETE trials in trial-number order; with `n`, a RuntimeError unless
    there are exactly n (a finished search that is not what it should be)."""
    trials = sorted(study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,)),
                    key=lambda t: t.number)
    if n is not None and len(trials) != n:
        raise RuntimeError(f"study {study.study_name!r} has {len(trials)} complete trials, not {n}")
    return trials


def remaining_trials(study, n_trials):
    """How many trials to ask to bring `study` to `n_trials` COMPLETE ones, after failing
    the stale RUNNING trials (their retries, WAITING, are among those asked)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        optuna.storages.fail_stale_trials(study)
    return max(0, n_trials - len(complete_trials(study)))


def refined_space(study, space, fraction=REFINE_FRACTION, margin=REFINE_MARGIN):
    """The axes of `space` narrowed around the best `fraction` of `study`'s COMPLETE
    trials (see module doc); a ValueError if the study has none."""
    trials = [t for t in complete_trials(study) if not t.user_attrs.get("diverged") and all(axis.name in t.params for axis in space)]
    if not trials:
        raise ValueError(f"study {study.study_name!r} has no completed trial that did not diverge: "
                         f"nothing to refine around; run it first")
    reverse = study.direction == optuna.study.StudyDirection.MAXIMIZE
    trials.sort(key=lambda t: t.value, reverse=reverse)
    best = trials[: max(1, math.ceil(fraction * len(trials)))]
    axes = []
    for axis in space:
        forward, back = (math.log10, lambda u: 10.0**u) if axis.log else (float, float)
        low, high = forward(axis.low), forward(axis.high)
        values = [forward(t.params[axis.name]) for t in best]
        widen = margin * (high - low)
        new_low = max(low, min(values) - widen)
        new_high = min(high, max(values) + widen)
        axes.append(Axis(axis.name, axis.kind, _clip(back(new_low), axis), _clip(back(new_high), axis), axis.target))
    return tuple(axes)


def trial_rows(study):
    """Every trial as {number, params, value, state, seconds, duration, diverged}, by
    number; seconds the training time the run measured (None if it did not finish),
    duration Optuna's, from ask to tell (with the time queued on the cluster)."""
    return [
        {
            "number": t.number,
            "params": t.params,
            "value": t.value,
            "state": t.state.name,
            "seconds": t.user_attrs.get("seconds"),
            "duration": None if t.duration is None else t.duration.total_seconds(),
            "diverged": t.user_attrs.get("diverged"),
        }
        for t in sorted(study.get_trials(deepcopy=False), key=lambda t: t.number)
    ]


def best_row(study):
    """The best COMPLETE trial as a row of `trial_rows`, or None."""
    try:
        number = study.best_trial.number
    except ValueError:  # no COMPLETE trial
        return None
    return next(row for row in trial_rows(study) if row["number"] == number)


def _clip(value, axis):
    return min(max(value, axis.low), axis.high)
