#!/usr/bin/env bash
# The GPU run in one call, on a machine with a CUDA GPU and nothing else prepared:
#
#   bash benchmarks/gpu/run.sh [--out DIR] [--n 2^24 ...] [--rounds R] [--verify N:STEPS ...]
#                              [--budget S] [--simulator] [--no-install]
#
# from the repository root. It checks its arguments (before installing, where optbench
# imports already; else right after), installs optbench into the Python it is given ($PYTHON, default python3; never a new virtualenv, which would lose the
# torch and CUDA libraries already there) with `pip install -e ".[cuda]"`, or, where
# that fails for want of a network, with `--no-deps --no-build-isolation --no-index`
# from what is already installed, and then runs benchmarks/gpu/run.py, whose docstring
# says what it measures and writes (default results/gpu/gpu.json and gpu.txt) and what
# its options mean (`--help`). It prints what it did and the time it took.
#
# Exit status: 0 verified and measured; 1 a verification failed or a case was not
# measured (what was measured is written all the same); 2 nothing run: bad arguments,
# an output folder that cannot be written, no CUDA GPU, or not run from the repository
# root; 3 optbench could not be installed, or what it needs does not import.

set -u
started=$(date +%s.%N 2>/dev/null || date +%s)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
python=${PYTHON:-python3}
me="benchmarks/gpu/run.sh"

elapsed() {
    "$python" -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.0f} s')" "$started" 2>/dev/null \
        || echo "unknown time"
}

if [ "$(pwd -P)" != "$(cd "$root" && pwd -P)" ]; then
    echo "$me: error: run it from the repository root: cd $root && bash $me" >&2
    exit 2
fi
if ! command -v "$python" >/dev/null 2>&1; then
    echo "$me: error: no $python here (set PYTHON to the interpreter that has torch and numba)" >&2
    exit 3
fi

install=1
for argument in "$@"; do
    case $argument in
        -h | --help) exec "$python" -m benchmarks.gpu.run --help ;;
        --no-install) install=0 ;;
        --simulator) export NUMBA_ENABLE_CUDASIM=1 ;;
    esac
done

# The arguments first, so that a typo costs no install: exit 2 is a refusal with its
# line already printed. Anything else means optbench does not import yet (before its
# first install, optbench.reference, which pyproject maps from reference/, is not there):
# then the install comes first, and the run checks the arguments right after it.
check_log=$(mktemp "${TMPDIR:-/tmp}/optbench-gpu-check.XXXXXX")
"$python" -m benchmarks.gpu.run --check "$@" 2>"$check_log"
status=$?
if [ "$status" -eq 2 ]; then
    cat "$check_log" >&2
    rm -f "$check_log"
    exit 2
elif [ "$status" -ne 0 ] && [ "$install" -eq 1 ]; then
    echo "$me: note: optbench does not import before it is installed ($(tail -n 1 "$check_log")):" \
        "installing first, checking the arguments after"
fi
rm -f "$check_log"

how="none (--no-install)"
if [ "$install" -eq 1 ]; then
    log=$(mktemp "${TMPDIR:-/tmp}/optbench-gpu-install.XXXXXX")
    echo "$me: installing optbench into $("$python" -c 'import sys; print(sys.prefix)') ..."
    if "$python" -m pip install --disable-pip-version-check --retries 0 --timeout 10 -e ".[cuda]" >"$log" 2>&1; then
        how='pip install -e ".[cuda]"'
    else
        reason=$(grep -E '^ *ERROR' "$log" | tail -n 1 | sed 's/^ *//')
        echo "$me: pip install -e \".[cuda]\" failed (${reason:-$(tail -n 1 "$log")})"
        echo "$me: installing without downloads: optbench alone, on the libraries already installed"
        if "$python" -m pip install --disable-pip-version-check --no-deps --no-build-isolation --no-index -e . \
            >"$log" 2>&1; then
            how='pip install --no-deps --no-build-isolation --no-index -e . (after pip install -e ".[cuda]" failed)'
        else
            echo "$me: error: optbench could not be installed, not even without downloads (which needs" \
                "setuptools>=77, pyproject's build backend, in that Python); pip said:" >&2
            tail -n 15 "$log" >&2
            rm -f "$log"
            exit 3
        fi
    fi
    rm -f "$log"
    echo "$me: installed: $how ($(elapsed) so far)"
fi
if ! problem=$("$python" -c "import numpy, scipy, numba.cuda, optbench, optbench.reference" 2>&1); then
    echo "$me: error: what the run needs does not import (install: $how): $(echo "$problem" | tail -n 1)" >&2
    exit 3
fi

"$python" -m benchmarks.gpu.run --started "$started" --install "$how" "$@"
status=$?
echo "$me: done in $(elapsed) (exit status $status)"
exit "$status"
