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
