"""`optbench minimize`: each method on a problem, beside scipy, as JSON, and bad input."""

import json

import pytest

from optbench.cli import main


@pytest.fixture(autouse=True)
def private_f_star_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("OPTBENCH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.mark.parametrize("method", ["newton", "bfgs", "lbfgs"])
def test_each_method_minimizes_rosenbrock(method, capsys):
    assert main(["minimize", "--method", method, "--problem", "rosenbrock"]) == 0
    out = capsys.readouterr().out
    assert f"{method} on get_problem('rosenbrock', n=2)" in out
    assert ("CONVERGENCE" in out) or ("successfully" in out)


def test_beside_scipy_as_json(capsys):
    assert main(["minimize", "--method", "newton", "--problem", "quadratic", "-o", "n=20", "--compare-scipy",
                 "--json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert row["scipy_method"] == "trust-exact" and row["nit_ours"] == 1 and row["relative_gap"] < 1e-12


def test_the_text_beside_scipy_says_the_gap_and_the_shifts(capsys):
    assert main(["minimize", "--method", "newton", "--problem", "rosenbrock", "-o", "n=10", "--compare-scipy"]) == 0
    out = capsys.readouterr().out
    assert "scipy trust-exact" in out and "relative gap" in out and "Hessians shifted" in out


def test_an_iteration_limit_exits_1(capsys):
    assert main(["minimize", "--method", "bfgs", "--problem", "rosenbrock", "--maxiter", "2"]) == 1
    assert "Maximum number of iterations" in capsys.readouterr().out


@pytest.mark.parametrize("argv, match", [
    (["--method", "adam", "--problem", "rosenbrock"], "invalid choice: 'adam'"),
    (["--method", "newton", "--problem", "nope"], "invalid choice: 'nope'"),
    (["--method", "newton", "--problem", "rosenbrock", "-o", "n=1"], "option n"),
    (["--method", "newton", "--problem", "rosenbrock", "-o", "width=3"], "unknown option"),
    (["--method", "newton", "--problem", "rosenbrock", "--gtol", "-1"], "gtol"),
    (["--method", "newton", "--problem", "rosenbrock", "--maxiter", "0"], "maxiter"),
])
def test_bad_input_is_one_line_and_exit_2(argv, match, capsys):
    with pytest.raises(SystemExit) as exit_or_none:
        status = main(["minimize", *argv])
        raise SystemExit(status)
    assert exit_or_none.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("optbench minimize: error: ") and match in err and err.count("\n") == 1
