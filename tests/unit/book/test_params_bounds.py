"""Bounded parameters: a parameters file too large, with YAML aliases or too deep, a list longer than its
parameter takes, an integer out of its stated range, a codec that is no text encoding: each refused at once,
with a DataError naming the file, the parameter and the fix."""

from __future__ import annotations

import annotated_types as at
import pytest

from analysis import DataError
from analysis.chapters import CHAPTERS
from analysis.chapters.clustering.params import ClusteringParams
from analysis.data.refusals import check_params
from analysis.book.runner import MAX_PARAMS_BYTES, load_params_file, resolve_parameters
from analysis.data.params import MAX_SEED, MAX_SHOP_CUSTOMERS

#: The "billion laughs": nine aliases nine levels deep, 10**9 values from a few hundred bytes
BOMB = "a: &a [1,1,1,1,1,1,1,1,1,1]\n" + "".join(
    f"{c}: &{c} [{','.join(['*' + p] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi")
) + "clustering:\n  k_range: *i\n"


def refused(path) -> DataError:
    with pytest.raises(DataError) as err:
        load_params_file(str(path))
    assert str(path) in str(err.value)  # names the file
    return err.value


def test_an_alias_bomb_is_refused_before_anything_is_built(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB)
    err = refused(path)
    assert err.parameter == "a" and "anchor &a" in err.problem and "line 1" in err.problem
    assert "without '&' anchors and '*' aliases" in err.fix


def test_an_alias_inside_a_known_parameter_is_named(tmp_path):
    path = tmp_path / "alias.yaml"
    path.write_text("clustering:\n  k_range: [2, 3, 4]\n  tier_cuts: *x\nmapping: {order_id: Order}\n")
    err = refused(path)  # an alias to no anchor is refused by the same rule, before YAML would complain
    assert err.parameter == "clustering.tier_cuts" and "alias *x" in err.problem and "line 3" in err.problem
    path.write_text("mapping: &m {order_id: Order}\nclustering: {k_range: [2, 3]}\n")
    assert refused(path).parameter == "mapping"


def test_a_file_over_the_size_limit_is_refused_unread(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("k_range: [" + ", ".join(["2"] * (MAX_PARAMS_BYTES // 3)) + "]\n")
    err = refused(path)
    assert err.parameter == "PARAMS (--params)" and "64 KiB" in err.problem and "DATA=" in err.fix
    path.write_text("seed: 1\n" + "# a comment\n" * 100)  # under the limit: read
    assert load_params_file(str(path)) == {"seed": 1}


def test_nesting_deeper_than_any_parameter_is_refused(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("clustering:\n  k_range: [[[2]]]\n")
    err = refused(path)
    assert err.parameter == "clustering.k_range" and "levels deep" in err.problem
    path.write_text("k_range: " + "[" * 5000 + "]" * 5000 + "\n")  # no RecursionError from the YAML composer
    assert refused(path).parameter == "k_range"
    path.write_text("clustering:\n  k_range: [2, 3]\n  mapping: {order_id: Order}\n")  # the deepest real form
    assert load_params_file(str(path))["clustering"]["k_range"] == [2, 3]


@pytest.mark.parametrize(
    ("text", "parameter", "words"),
    [
        ("clustering:\n  k_range: [" + ", ".join(map(str, range(2, 60))) + "]\n", "k_range", "at most 50"),
        ("k_range: [2, 3, 5000]\n", "k_range", "2 to 1000"),
        ("risk:\n  categorical: [" + ", ".join(f"c{i}" for i in range(1001)) + "]\n", "categorical", "at most 1000"),
        ("interval_levels: [0.5, 0.6, 0.7, 0.8, 0.9]\n", "interval_levels", "at most 4"),
        ("tier_cuts: [0.5, 0.6, 0.7]\n", "tier_cuts", "must hold 2 shares"),
        (f"seed: {MAX_SEED + 1}\n", "seed", f"<= {MAX_SEED}"),
        (f"shop_customers: {MAX_SHOP_CUSTOMERS + 1}\n", "shop_customers", f"50 to {MAX_SHOP_CUSTOMERS:,}"),
        ("shop_customers: 100000000\n", "shop_customers", "what this machine holds"),
        ("encoding: rot13\n", "encoding", "not a codec Python knows for text"),
        ("encoding: nonsense\n", "encoding", "not a codec Python knows for text"),
        ("max_points_density: 1000000\n", "max_points_density", "<= 20000"),
        ("seed: " + "9" * 300 + "\n", "seed", f"<= {MAX_SEED}"),
    ],
)
def test_values_beyond_their_parameter_are_refused_by_name(tmp_path, text, parameter, words):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(DataError) as err:
        resolve_parameters(list(CHAPTERS), None, str(path))
    assert parameter in err.value.parameter.split(", ") and str(path) in str(err.value)
    assert words in str(err.value) and f"set {parameter} to " in err.value.fix
    assert len(err.value.problem) < 600  # a long list is shown by its start and its length


def test_the_largest_values_in_range_are_taken():
    params = check_params(ClusteringParams, "clustering", {"seed": MAX_SEED, "shop_customers": MAX_SHOP_CUSTOMERS,
                                                           "k_range": list(range(2, 52))})  # fmt: skip
    assert params.seed == MAX_SEED and len(params.k_range) == 50


def test_every_integer_and_list_parameter_has_a_stated_upper_bound():
    unbounded = []
    for chapter in CHAPTERS:
        for name, field in chapter.params.model_fields.items():
            kind = str(field.annotation)
            bounds = (at.Le, at.Lt) if field.annotation is int else (at.MaxLen,) if kind.startswith("list") else ()
            if bounds and not any(isinstance(m, bounds) for m in field.metadata) and name != "tier_cuts":
                unbounded.append(f"{chapter.name}.{name}")  # tier_cuts: exactly two, by its own rule
    assert unbounded == []


def test_an_integer_too_long_for_python_is_refused_as_yaml(tmp_path):
    path = tmp_path / "digits.yaml"
    path.write_text("seed: " + "9" * 5000 + "\n")
    assert "not valid YAML" in refused(path).problem
