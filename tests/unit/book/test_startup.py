"""What importing the package costs a process: the kernel's first glue and the runner's papermill."""

import subprocess
import sys

CODE = """
import sys, time
import analysis
start = time.perf_counter()
from myst_nb import glue
glue("x", 1, display=False)  # imports nbformat, hence jsonschema
import nbformat
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")])
nbformat.validate(nb)  # notebooks are still validated
import jsonschema
checker = jsonschema.FormatChecker()
print(sys.modules.get("rfc3987_syntax") is not None, "iri" in checker.checkers, sep=",")
"""


def test_jsonschema_skips_the_lark_grammars_after_import_analysis():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=True).stdout.strip()
    imported, iri = out.split(",")
    assert imported == "False"  # the 2 s import of rfc3987_syntax did not happen
    assert iri == "False"  # and jsonschema knows it cannot check "iri", as where the package is not installed


def test_an_earlier_jsonschema_import_is_left_alone():
    code = "import jsonschema, sys; import analysis; print(sys.modules.get('rfc3987_syntax', 'absent') is None)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def test_the_runner_checks_a_recommender_s_data_without_scikit_learn():
    """The runner's check of the recommendations chapter's data imports analysis.recommend: ranking lists need
    neither scikit-learn nor statsmodels (about 1 s of the read the kernel waits for)."""
    code = ("import sys; import analysis.recommend, analysis.chapters.recommend.params; "
            "print('sklearn' in sys.modules, 'statsmodels' in sys.modules, 'scipy.stats' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "False", "False"]


def test_the_metrics_submodules_are_there_when_asked_for():
    code = ("from analysis import evaluate; import sys; print('classification' in dir(evaluate), "
            "'analysis.evaluate.classification' in sys.modules, callable(evaluate.classification.cross_validate), "
            "callable(evaluate.forecast.mase), evaluate.mae is not None)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "False", "True", "True", "True"]
    missing = subprocess.run([sys.executable, "-c", "from analysis import evaluate; evaluate.nothing"],
                             capture_output=True, text=True)  # fmt: skip
    assert missing.returncode == 1 and "has no attribute 'nothing'" in missing.stderr
