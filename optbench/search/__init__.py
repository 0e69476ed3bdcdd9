"""Hyperparameter search on Optuna, its trials run as Dask tasks: `optbench.search(...)`.

    study = optbench.search("softmax", "sgd", ["learning_rate=log(1e-7,1e-4)", "reg=log(1e-5,1e-1)"],
                            layout="random", trials=32, epochs=5, batch_size=200)
    study.best_params                     # the lecture: search on the validation set

    space.py        NAME=log(LOW,HIGH) / NAME=uniform(LOW,HIGH) -> Optuna distributions; grids
    objective.py    one `optbench.run` per trial, scored (validation accuracy or f - f*)
    study.py        storage, samplers by layout, create or load, resume, refine
    executor.py     `run_trials`: the ask/tell loop on a Dask cluster

May import the foundation, `optim`, `problems`, `training` and `perf.threads`; Optuna
and Dask (the `search` extra) are imported by the modules here, not by `import optbench`.
"""

import sys
import types


def search(problem, rule, space, layout, trials, epochs=None, batch_size=None, seed=0, storage=None, study=None,
           workers=None, scheduler=None, scheduler_file=None, steps=None, options=None, refine=False,
           on_start=None, on_result=None, fixed=None, score=None, f_star=None):
    """Run (or resume) the search and return its `optuna.Study`.

    problem, rule   names; options: the problem's fixed options ({"n": 100})
    fixed           the rule's fixed hyperparameters ({"momentum": 0.9}); score, f_star:
                    what a trial is scored by (`objective.Objective`)
    space           texts "NAME=log(LOW,HIGH)" / "NAME=uniform(LOW,HIGH)" (or `space.Axis`)
    layout          "grid", "random" or "tpe"; trials: N, the COMPLETE trials wanted
    epochs, steps   exactly one, as in `optbench.run`; batch_size, seed as there too
    storage         a database URL (default sqlite:///results/search.db)
    study           its name (default: a digest of the settings, so the same call resumes)
    workers         size of the local Dask cluster; or scheduler / scheduler_file to join one
    refine          the study named by `study` (default: by these settings) must be
                    finished (`trials` COMPLETE): search instead a new study, named by its
                    digest, whose ranges narrow around its best trials (`study.refined_space`)
    on_start        `on_start(study, n)` once the study is open, n the trials about to run
    on_result       `on_result(trial_number, value, attrs)` after each trial

    Every input is checked before the storage is opened; a study this call created is
    deleted again if the cluster cannot be reached before any trial ran.
    """
    import dataclasses

    import optuna

    from optbench.search import executor
    from optbench.search import study as studies
    from optbench.search.objective import Objective
    from optbench.search.space import parse_space

    axes = parse_space(space, rule, problem, options)
    objective = Objective(rule, problem, axes, steps=steps, epochs=epochs, batch_size=batch_size, seed=seed,
                          options=options or {}, fixed=fixed or {}, score=score, f_star=f_star)
    if isinstance(trials, bool) or not isinstance(trials, int) or trials < 1:
        raise ValueError(f"the number of trials must be a whole number >= 1, got {trials!r}")
    studies.sampler(layout, objective.space, trials, seed)  # refuses an unknown layout, a grid that cannot be formed
    executor.scheduler_address(scheduler, scheduler_file, workers)
    opened = studies.open_storage(storage) if storage is None or isinstance(storage, str) else storage
    if refine:
        source_name = studies.study_name(objective, layout) if study is None else study
        source = _existing(opened, source_name, objective, layout, trials, seed, studies)
        objective = dataclasses.replace(objective, space=studies.refined_space(source, objective.space))
        study = None
    name = studies.study_name(objective, layout) if study is None else study
    is_new = name not in optuna.get_all_study_names(opened)
    found = studies.create_or_load(objective, layout, trials, opened, name=name, seed=seed)
    if refine and is_new:
        found.set_user_attr("refined_from", source_name)
    n = studies.remaining_trials(found, trials)
    if on_start is not None:
        on_start(found, n)
    if n == 0:
        return found
    try:
        executor.run_trials(found, objective, n, workers=workers, scheduler=scheduler,
                            scheduler_file=scheduler_file, on_result=on_result)
    except BaseException:
        if is_new and not found.get_trials(deepcopy=False):
            optuna.delete_study(study_name=name, storage=opened)
        raise
    return found


def _existing(storage, name, objective, layout, trials, seed, studies):
    """The study `name`, which must exist with these settings and `trials` COMPLETE trials."""
    import optuna

    if name not in optuna.get_all_study_names(storage):
        raise ValueError(f"no study {name!r} to refine: run the search without --refine first")
    found = studies.create_or_load(objective, layout, trials, storage, name=name, seed=seed)
    complete = len(studies.complete_trials(found))
    if complete < trials:
        raise ValueError(f"study {name!r} has {complete} of its {trials} trials complete: finish it "
                         f"(the same search without --refine) before refining it")
    return found


class _CallablePackage(types.ModuleType):
    """`optbench.search(...)` is `optbench.search.search(...)`: the package stays a package
    (`import optbench.search.space` works) and is called like the function."""

    def __call__(self, *args, **kwargs):
        return search(*args, **kwargs)


sys.modules[__name__].__class__ = _CallablePackage
