"""What the two CLV estimators share: scikit-learn's shape, parameters given by hand, the unfitted error.

:class:`~analysis.clv.BGNBD` and :class:`~analysis.clv.GammaGamma` are
scikit-learn estimators: the optimiser's settings are set in ``__init__``
(:meth:`get_params` and :func:`sklearn.base.clone` work), ``fit`` returns the
model, and what the fit learned ends in ``_``: the parameters (``r_``,
``alpha_``, ... named as in the papers), ``loglik_`` (the total
log-likelihood at the fit), ``n_customers_`` (the weighted number of
customers fitted), ``converged_`` (the optimiser's verdict) and
``at_boundary_``. A model at published parameters, not fitted, comes from
``from_parameters``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator

from analysis._checks import check_int, check_number
from analysis.errors import DataError

__all__ = ["LikelihoodModel"]


def _check_parameters(owner: str, values: dict[str, float]) -> None:
    bad = [name for name, value in values.items() if not (np.isfinite(value) and value > 0)]
    if bad:
        raise DataError(
            f"{owner} parameters must be finite and positive",
            column=", ".join(bad),
            rows=[f"{name} = {values[name]!r}" for name in bad],
            fix=f"fit them with {owner}().fit(...) or pass the published values",
        )


class LikelihoodModel(BaseEstimator):
    """Base class: a model fitted by maximum likelihood, with its parameters listed in ``PARAMETERS``.

    Subclasses set the fitted attributes with :meth:`_set_fitted` and read
    the parameters back with :meth:`_values`, which refuses an unfitted model.
    """

    #: The model's parameters, in the papers' order (each fitted attribute is the name plus ``_``).
    PARAMETERS: ClassVar[tuple[str, ...]] = ()
    #: What a fit reports besides the parameters, with the value a model at given parameters keeps.
    FIT_FIELDS: ClassVar[dict[str, Any]] = {
        "loglik": float("nan"), "n_customers": 0, "converged": False, "at_boundary": False,
    }  # fmt: skip
    #: The arguments of ``fit``, for the unfitted model's message.
    FIT_ARGS: ClassVar[str] = ""

    def __init__(self, *, initial: Any = None, tol: float = 1e-8, max_iter: int = 1000) -> None:
        self.initial = initial
        self.tol = tol
        self.max_iter = max_iter

    @classmethod
    def _at(cls, parameters: dict[str, float], fields: dict[str, Any]) -> Any:
        unknown = sorted(set(fields) - set(cls.FIT_FIELDS))
        if unknown:
            raise TypeError(f"{cls.__name__}.from_parameters() got unexpected fields {unknown}")
        model = cls()
        model._set_fitted(parameters, **{**cls.FIT_FIELDS, **fields})
        return model

    def _set_fitted(self, parameters: dict[str, float], **fields: Any) -> None:
        """Check the parameters (finite, positive) and store them and the fit's fields as ``name_``."""
        _check_parameters(type(self).__name__, parameters)
        for name in self.PARAMETERS:
            setattr(self, f"{name}_", float(parameters[name]))
        for name, value in fields.items():
            setattr(self, f"{name}_", value)

    def __sklearn_is_fitted__(self) -> bool:
        return all(hasattr(self, f"{name}_") for name in self.PARAMETERS)

    def _values(self) -> tuple[float, ...]:
        """The parameters in ``PARAMETERS`` order; a ``DataError`` naming the model and the fix when unfitted."""
        if not self.__sklearn_is_fitted__():
            name = type(self).__name__
            given = ", ".join(f"{p}=..." for p in self.PARAMETERS)
            raise DataError(
                f"This {name} model is not fitted yet: it has no parameters to compute with.",
                column="model",
                fix=f"call {name}().fit({self.FIT_ARGS}) first, or use {name}.from_parameters({given}) "
                "for published parameters",
            )
        return tuple(getattr(self, f"{name}_") for name in self.PARAMETERS)

    def _options(self) -> dict[str, Any]:
        """The optimiser's options from the hyper-parameters, checked."""
        tol = check_number("tol", self.tol, low=0.0, open_low=True, fix="pass a small positive tolerance, e.g. tol=1e-8")
        max_iter = check_int("max_iter", self.max_iter, low=1, fix="pass a positive number of iterations, e.g. 1000")
        return {"gtol": tol, "maxiter": max_iter}

    def as_dict(self) -> dict[str, Any]:
        """Parameters first, then the fit's fields, by the papers' names (no ``_``), as a plain dict (tables, JSON).

        ``Model.from_parameters(**model.as_dict())`` gives the same model back.
        """
        self._values()
        return {name: getattr(self, f"{name}_") for name in (*self.PARAMETERS, *self.FIT_FIELDS)}
