"""python -m analysis doctor: each check ok and as a problem with its fix; the exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

from analysis.book import doctor
from analysis.book.doctor import NOTE, OK, PROBLEM
from analysis.book.runner import ROOT


def test_python_version():
    assert doctor.check_python((3, 11, 7)).status == OK
    old = doctor.check_python((3, 10, 2))
    assert old.status == PROBLEM and "3.10.2" in old.found and "3.11" in old.fix


def test_venv_outside_any_environment_and_a_foreign_one(tmp_path):
    outside = doctor.check_venv(tmp_path, prefix="/usr", base_prefix="/usr")
    assert outside.status == PROBLEM and "not inside a virtual environment" in outside.found
    assert "make venv" in outside.fix
    other = doctor.check_venv(tmp_path, prefix="/opt/other-env", base_prefix="/usr")
    assert other.status == PROBLEM and "/opt/other-env" in other.found and str(tmp_path / ".venv") in other.fix
    (tmp_path / ".venv").mkdir()
    assert doctor.check_venv(tmp_path, prefix=str(tmp_path / ".venv"), base_prefix="/usr").status == OK


def test_a_missing_kernel_is_named_with_the_command_that_registers_it():
    missing = doctor.check_kernel("no-such-kernel-for-the-doctor")
    assert missing.status == PROBLEM and "'no-such-kernel-for-the-doctor' is not registered" in missing.found
    assert "python -m analysis install-kernel" in missing.fix


def test_a_kernel_running_another_python_is_a_problem(tmp_path, monkeypatch):
    kernels = tmp_path / "share" / "jupyter" / "kernels" / "k1"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({"argv": ["/nowhere/bin/python", "-m", "ipykernel_launcher"],
                                                     "display_name": "x", "language": "python"}))  # fmt: skip
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    gone = doctor.check_kernel("k1")
    assert gone.status == PROBLEM and "/nowhere/bin/python" in gone.found and "does not exist" in gone.found
    (kernels / "kernel.json").write_text(json.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher"],
                                                     "display_name": "x", "language": "python"}))  # fmt: skip
    other = doctor.check_kernel("k1", prefix=str(tmp_path))
    assert other.status == PROBLEM and "not this environment's Python" in other.found
    assert doctor.check_kernel("k1", prefix=sys.prefix).status == OK


def test_packages_pinned_missing_and_wrong(tmp_path):
    req = tmp_path / "requirements.txt"
    req.write_text("# comment\nalpha==1.0\nbeta==2.0  # why\n-r other.txt\ngamma>=3\n")
    assert doctor.pinned(req) == {"alpha": "1.0", "beta": "2.0"}
    installed = {"alpha": "1.0", "beta": "2.1"}

    def version(name):
        if name not in installed:
            raise metadata.PackageNotFoundError(name)
        return installed[name]

    wrong = doctor.check_packages(req, version)
    assert wrong.status == PROBLEM and "beta 2.1 (pinned 2.0)" in wrong.found and "1 of 2" in wrong.found
    assert "pip install -r requirements.txt -c constraints.txt" in wrong.fix
    del installed["alpha"]
    assert "alpha missing (pinned 1.0)" in doctor.check_packages(req, version).found
    installed.update(alpha="1.0", beta="2.0")
    assert doctor.check_packages(req, version).status == OK
    assert doctor.check_packages(tmp_path / "nope.txt").status == PROBLEM


def test_the_projects_own_pins_hold_in_this_environment():
    assert doctor.check_packages(ROOT / "requirements.txt").status == OK


def test_write_access(tmp_path):
    assert doctor.check_writable(tmp_path).status == OK
    assert doctor.check_writable(tmp_path / "absent").status == PROBLEM
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        result = doctor.check_writable(locked)
        if result.status == OK:  # root writes anywhere: nothing to learn here
            pytest.skip("running as root, a read-only folder is still writable")
        assert result.status == PROBLEM and "cannot write" in result.found and "chmod u+w" in result.fix
    finally:
        locked.chmod(0o700)


def test_data_checks(tmp_path):
    assert doctor.check_shop().status == OK
    absent = doctor.check_shared_data(tmp_path / "none")
    assert absent.status == NOTE and "optional" in absent.found
    (tmp_path / "online_retail").mkdir()
    (tmp_path / "online_retail" / "a.csv").write_text("x\n")
    present = doctor.check_shared_data(tmp_path)
    assert present.status == OK and "online_retail" in present.found


def test_chromium_is_optional():
    assert doctor.check_chromium(lambda name: None).status == NOTE
    found = doctor.check_chromium(lambda name: "/usr/bin/chromium" if name == "chromium" else None)
    assert found.status == OK and "/usr/bin/chromium" in found.found


def test_a_problem_prints_its_fix_and_exits_1(monkeypatch, capsys):
    problem = doctor.Check("kernel", PROBLEM, "the Jupyter kernel 'x' is not registered", "run this")
    monkeypatch.setattr(doctor, "checks", lambda root: [doctor.Check("python", OK, "3.11"), problem,
                                                        doctor.Check("chromium", NOTE, "absent", "install")])  # fmt: skip
    assert doctor.run(ROOT) == 1
    out = capsys.readouterr().out
    assert "problem  kernel" in out and "fix: run this" in out and "1 problem (kernel)" in out
    assert "fix: install" in out  # an optional part's fix is shown too
    monkeypatch.setattr(doctor, "checks", lambda root: [doctor.Check("python", OK, "3.11")])
    assert doctor.run(ROOT) == 0 and "all set" in capsys.readouterr().out


def test_the_command_line_runs_every_check():
    result = subprocess.run([sys.executable, "-m", "analysis", "doctor"], capture_output=True, text=True, cwd=ROOT)
    lines = [line for line in result.stdout.splitlines() if line[:1].isalpha()]
    named = {line[9:19].strip() for line in lines if line.split()[0] in (OK, PROBLEM, NOTE)}
    assert named == {"python", "venv", "kernel", "packages", "lab", "handout", "write", "data", "real data", "chromium"}
    problems = [line for line in lines if line.startswith(PROBLEM)]
    assert result.returncode == (1 if problems else 0) and "Traceback" not in result.stderr


def test_the_handout_names_the_books_kernel_and_was_executed(tmp_path):
    import nbformat

    from analysis.book.handout import KERNELSPEC

    assert doctor.check_handout(tmp_path / "absent", "ecommerce-book").status == NOTE
    cell = nbformat.v4.new_code_cell("1 + 1")
    nb = nbformat.v4.new_notebook(cells=[cell], metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nbformat.write(nb, tmp_path / "01_concepts_exercises.ipynb")
    other = doctor.check_handout(tmp_path, "ecommerce-book")
    assert other.status == PROBLEM and "01_concepts_exercises.ipynb" in other.found and "make handout" in other.fix
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.write(nb, tmp_path / "01_concepts_exercises.ipynb")
    bare = doctor.check_handout(tmp_path, "ecommerce-book")
    assert bare.status == PROBLEM and "never executed" in bare.found
    cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": "2"}, execution_count=1)]
    nbformat.write(nb, tmp_path / "01_concepts_exercises.ipynb")
    assert doctor.check_handout(tmp_path, "ecommerce-book").status == OK


def test_jupyterlab_is_installed_for_make_lab():
    found = doctor.check_lab("ecommerce-book")
    assert found.status == OK and "127.0.0.1" in found.found
