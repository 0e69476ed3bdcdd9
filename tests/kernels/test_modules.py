"""Generated kernel modules: where they are written, and where they are not."""

import os
import subprocess
import sys

CODE = (
    "import numpy as np, optbench\n"
    "from optbench.kernels import modules\n"
    "x = np.zeros(3)\n"
    "opt = optbench.optimizer('adam', backend='cpu')\n"
    "opt.update(x, np.ones(3), opt.init(x))\n"
    "print(modules.kernel_folder())\n"
)


def run(cwd, **environment):
    env = {**os.environ, **environment}
    result = subprocess.run([sys.executable, "-c", CODE], cwd=cwd, env=env, capture_output=True, text=True,
                            check=True)
    return result.stdout.strip().splitlines()[-1]


def test_kernels_go_to_the_cache_folder(tmp_path):
    folder = run(tmp_path, OPTBENCH_CACHE_DIR=str(tmp_path / "cache"))
    assert folder == str(tmp_path / "cache" / "kernels")
    assert any(name.startswith("optbench_kernels_cpu_") for name in os.listdir(folder))


def test_an_empty_cache_dir_writes_nothing_that_outlives_the_process(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    folder = run(tmp_path, OPTBENCH_CACHE_DIR="", HOME=str(home), XDG_CACHE_HOME="")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["home"]  # no ./kernels
    assert list(home.iterdir()) == []
    assert not os.path.exists(folder)  # the private folder is gone with the process
