"""Search hyperparameters on the validation set (Optuna), trials run on a Dask cluster.

    optbench search --problem softmax --rule sgd --epochs 5 --batch-size 200 \\
        --space "learning_rate=log(1e-7,1e-4)" --space "reg=log(1e-5,1e-1)" \\
        --layout random --trials 32

scores each trial by validation accuracy (data problems, maximized) or the final gap
f - f* (the others, minimized; give --steps), or by --score (tail_gap: the log10 geometric
mean of f - f* over the run's second half), with -p NAME=VALUE fixing other
hyperparameters of the rule; shows the trials done and the best so far, and prints the
best trial. The study lives in --storage (default sqlite:///results/search.db) under
--study (default: a digest of the settings): the same command again resumes it, running
only the trials not yet complete. --refine searches a new study whose ranges narrow
around the best fifth of that finished study's trials. A grid takes k^d trials for d
ranges. Trials run on a local Dask cluster of --workers processes (default: one per
core), or on the cluster at --scheduler ADDRESS or --scheduler-file F. --json prints the
study name, storage, layout, every trial and the best. Exits 2 on bad input, with
nothing written.
"""

import json
import math
import sys

from optbench.cli.arguments import assignment, fail, non_negative_int, positive_int
from optbench.optim import rule_names
from optbench.problems import problem_names
from optbench.search.objective import SCORES

# optbench.search.study.LAYOUTS, without importing Optuna to build the parser
LAYOUTS = ("grid", "random", "tpe")
SCORE_NAMES = {"val_acc": "validation accuracy", "final_gap": "f - f*",
               "tail_gap": "log10 of the geometric mean of f - f* over the run's second half"}


def add_arguments(parser):
    parser.add_argument("--problem", required=True, choices=problem_names())
    parser.add_argument("-o", "--option", action="append", default=[], type=assignment, metavar="NAME=VALUE",
                        help="a fixed problem option, repeatable: -o n=100 (quadratic)")
    parser.add_argument("--rule", required=True, choices=rule_names())
    parser.add_argument("--space", action="append", default=[], metavar="NAME=log(LOW,HIGH)",
                        help="a searched range, repeatable: NAME=log(LOW,HIGH) or NAME=uniform(LOW,HIGH), "
                             "NAME a hyperparameter of the rule or a real option of the problem (reg)")
    parser.add_argument("-p", "--hyperparameter", action="append", default=[], type=assignment, metavar="NAME=VALUE",
                        help="a fixed hyperparameter of the rule, repeatable: -p momentum=0.9")
    parser.add_argument("--score", choices=SCORES,
                        help="what a trial is scored by (default: val_acc on digits problems, final_gap otherwise)")
    parser.add_argument("--f-star", type=float, help="f* of the gaps instead of the problem's (0 on digits problems)")
    parser.add_argument("--layout", required=True, choices=LAYOUTS)
    parser.add_argument("--trials", required=True, type=positive_int, help="COMPLETE trials wanted in the study")
    length = parser.add_mutually_exclusive_group(required=True)
    length.add_argument("--steps", type=positive_int, help="updates per trial")
    length.add_argument("--epochs", type=positive_int, help="epochs per trial (digits problems)")
    parser.add_argument("--batch-size", type=positive_int, help="mini-batch size (digits problems)")
    parser.add_argument("--seed", type=non_negative_int, default=0, help="the sampler's, and each run's x0")
    parser.add_argument("--storage", help="database URL (default sqlite:///results/search.db)")
    parser.add_argument("--study", help="study name (default: a digest of the settings)")
    cluster = parser.add_mutually_exclusive_group()
    cluster.add_argument("--scheduler", metavar="ADDRESS", help="join the Dask cluster at tcp://host:port")
    cluster.add_argument("--scheduler-file", metavar="F", help="join the Dask cluster that wrote F")
    cluster.add_argument("--workers", type=positive_int, help="local cluster size (default: the core count)")
    parser.add_argument("--refine", action="store_true",
                        help="narrow each range around the best trials of the finished study into a new one")
    parser.add_argument("--json", action="store_true", help="print the study as JSON")


def run(args):
    try:
        import optuna

        import optbench.search
        from optbench.report.progress import Progress
        from optbench.search import study as studies
    except ImportError as error:
        return fail("search", f"{error}; install the search extra: pip install 'optbench[search]'")
    optuna_logging_quiet()
    if not args.space:
        return fail("search", "give at least one --space NAME=log(LOW,HIGH) or NAME=uniform(LOW,HIGH)")
    progress = Progress(quiet=args.json and not sys.stderr.isatty())
    best = {"value": None}
    maximize = {"on": None}
    with progress:
        task = None

        def on_start(study, n):
            nonlocal task
            done = args.trials - n
            maximize["on"] = study.direction == optuna.study.StudyDirection.MAXIMIZE
            task = progress.task("trials", total=args.trials,
                                 description=f"{study.study_name}: {done} done before, {n} to run")
            if done:
                task.advance(units=done)
            if studies.complete_trials(study):
                best["value"] = study.best_value

        def on_result(number, value, attrs):
            if value is not None and (best["value"] is None or (
                    value > best["value"] if maximize["on"] else value < best["value"])):
                best["value"] = value
            shown = "none yet" if best["value"] is None else f"{best['value']:.6g}"
            task.advance(f"trial {number}: {_value(value, attrs)}; best so far {shown}")

        try:
            study = optbench.search.search(
                args.problem, args.rule, args.space, args.layout, args.trials, epochs=args.epochs,
                steps=args.steps, batch_size=args.batch_size, seed=args.seed, options=dict(args.option),
                storage=args.storage, study=args.study, workers=args.workers, scheduler=args.scheduler,
                scheduler_file=args.scheduler_file, refine=args.refine, on_start=on_start,
                on_result=on_result, fixed=dict(args.hyperparameter), score=args.score, f_star=args.f_star,
            )
        except (ValueError, TypeError, ConnectionError) as error:
            return fail("search", error)
        if task is not None:
            task.finish("done")
    rows, best_trial = studies.trial_rows(study), studies.best_row(study)
    if args.json:
        json.dump({
            "study": study.study_name,
            "storage": args.storage or studies.DEFAULT_STORAGE,
            "layout": args.layout,
            "direction": study.direction.name.lower(),
            "space": study.user_attrs.get("space"),
            "trials": [_jsonable(row) for row in rows],
            "best": None if best_trial is None else _jsonable(best_trial),
        }, sys.stdout, indent=1)
        print()
    else:
        complete = sum(row["state"] == "COMPLETE" for row in rows)
        print(f"study {study.study_name} in {args.storage or studies.DEFAULT_STORAGE}: "
              f"{complete} complete trials, {study.direction.name.lower()} "
              f"{SCORE_NAMES[study.user_attrs['objective']['score']]}")
        if best_trial is None:
            print("no complete trial")
        else:
            params = ", ".join(f"{k}={v:.6g}" for k, v in best_trial["params"].items())
            print(f"best: trial {best_trial['number']}, value {best_trial['value']:.6g}: {params}")
    return 0


def optuna_logging_quiet():
    """Optuna's INFO lines ("A new study created ...") off: the progress bar says it."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)


def _value(value, attrs):
    if value is None:
        return f"failed ({attrs.get('error')})"
    return f"{value:.6g}" + (" (diverged)" if attrs.get("diverged") else "")


def _jsonable(row):
    """nan/inf become None, so that the JSON is standard."""
    return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
