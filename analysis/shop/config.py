"""What a shop is made of: personas, the demand calendar and :class:`ShopConfig`.

:class:`ShopConfig` holds the twelve settings shared by :func:`~analysis.shop.make_shop`
and :func:`~analysis.shop.write_shop_parquet` (the seed, the window, the
personas, the calendar, the catalogue size and the knobs of the simulation).
It checks itself when it is made, so a bad setting fails at once with a
:class:`~analysis.errors.DataError` naming it, whichever function it reaches.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis._checks import check_day, check_int, check_number, is_number
from analysis.errors import DataError
from analysis.shop.catalogue import CATEGORIES, MAX_PRODUCTS, STYLE_DIM

@dataclass(frozen=True)
class Persona:
    r"""One customer type and its planted parameters.

    * BG/NBD (per week): ``lam ~ Gamma(r, rate=alpha)`` so ``E[lam] = r/alpha``;
      ``p ~ Beta(a, b)`` so ``E[p] = a/(a+b)``.
    * Gamma-Gamma spend: ``nu ~ Gamma(gg_q, rate=gg_gamma)``, order target
      ``z ~ Gamma(gg_p, rate=nu)``, so ``E[z] = gg_p gg_gamma / (gg_q - 1)``.
    * ``basket_mean``: mean number of lines drawn per order (``1 + Poisson``).
    * ``taste`` (3 style coordinates) and ``price_affinity`` (weight on the
      product's standardised log price) are the persona's mean latent factor.
    * ``channel_probs``: probabilities of web, app, marketplace as main channel.
    """

    name: str
    share: float
    r: float
    alpha: float
    a: float
    b: float
    gg_p: float
    gg_q: float
    gg_gamma: float
    basket_mean: float
    taste: tuple[float, float, float]
    price_affinity: float
    channel_probs: tuple[float, float, float]

    @property
    def mean_rate(self) -> float:
        """``E[lam] = r / alpha`` purchases per week while alive."""
        return self.r / self.alpha

    @property
    def mean_dropout(self) -> float:
        """``E[p] = a / (a + b)``."""
        return self.a / (self.a + self.b)

    @property
    def mean_spend(self) -> float:
        """``E[z] = p gamma / (q - 1)`` per order (the Gamma-Gamma mean)."""
        return self.gg_p * self.gg_gamma / (self.gg_q - 1.0)

    def check(self) -> Persona:
        """This persona, if its parameters are usable; else a :class:`DataError` naming them."""
        positive = {"share": self.share, "r": self.r, "alpha": self.alpha, "a": self.a,
                    "b": self.b, "gg_p": self.gg_p, "gg_q": self.gg_q, "gg_gamma": self.gg_gamma}
        bad = {k: v for k, v in positive.items() if not (is_number(v) and np.isfinite(v) and v > 0)}
        basket_ok = is_number(self.basket_mean) and self.basket_mean >= 1
        if bad or not basket_ok or len(self.taste) != STYLE_DIM or len(self.channel_probs) != 3:
            raise DataError(
                f"persona {self.name!r} has invalid parameters",
                column="personas",
                rows=[f"{k}={v}" for k, v in bad.items()] or [self],
                fix="use share, r, alpha, a, b, gg_p, gg_q, gg_gamma > 0, basket_mean >= 1, "
                "a taste of 3 numbers and 3 channel probabilities",
            )
        if min(self.channel_probs) < 0 or abs(sum(self.channel_probs) - 1) > 1e-9:
            raise DataError(
                f"persona {self.name!r}: channel_probs must be >= 0 and sum to 1",
                column="personas", rows=[self.channel_probs],
                fix="give three probabilities for web, app, marketplace summing to 1",
            )
        return self


DEFAULT_PERSONAS: tuple[Persona, ...] = (
    # E[lam] = 1/3 a week, E[p] = 1/61, E[z] = 200
    Persona(
        name="loyal big spender", share=0.20, r=10.0, alpha=30.0, a=0.5, b=30.0,
        gg_p=8.0, gg_q=12.0, gg_gamma=275.0, basket_mean=3.5,
        taste=(1.0, 0.8, -0.6), price_affinity=1.0, channel_probs=(0.50, 0.45, 0.05),
    ),
    # E[lam] = 1/16 a week, E[p] = 1/31, E[z] = 50
    Persona(
        name="regular", share=0.30, r=10.0, alpha=160.0, a=0.5, b=15.0,
        gg_p=8.0, gg_q=12.0, gg_gamma=68.75, basket_mean=2.5,
        taste=(0.8, -0.8, 0.8), price_affinity=0.0, channel_probs=(0.55, 0.35, 0.10),
    ),
    # E[lam] = 0.4 a week, E[p] = 1/101, E[z] = 12
    Persona(
        name="bargain hunter", share=0.25, r=10.0, alpha=25.0, a=0.5, b=50.0,
        gg_p=8.0, gg_q=12.0, gg_gamma=16.5, basket_mean=2.0,
        taste=(-0.8, 0.8, -0.8), price_affinity=-1.2, channel_probs=(0.30, 0.20, 0.50),
    ),
    # E[lam] = 0.01 a week, E[p] = 0.75, E[z] = 40
    Persona(
        name="one-off", share=0.25, r=2.0, alpha=200.0, a=6.0, b=2.0,
        gg_p=8.0, gg_q=12.0, gg_gamma=55.0, basket_mean=1.5,
        taste=(-0.6, -0.6, 1.0), price_affinity=0.3, channel_probs=(0.60, 0.15, 0.25),
    ),
)


@dataclass(frozen=True)
class Promotion:
    """A yearly promotion window: ``length`` days from ``month``/``day``.

    Demand is multiplied by ``uplift`` and unit prices by ``1 - discount``.
    """

    name: str
    month: int
    day: int
    length: int
    uplift: float
    discount: float

    def check(self) -> Promotion:
        """This promotion, if it is usable; else a :class:`DataError` naming the field."""
        where = f"calendar.promotions[{self.name!r}]"
        check_number(f"{where}.uplift", self.uplift, low=0.0, open_low=True,
                     fix="use a demand multiplier > 0, e.g. 1.3")
        check_number(f"{where}.discount", self.discount, low=0.0, high=1.0, open_high=True,
                     fix="use a discount in [0, 1), e.g. 0.15 for 15 % off")
        check_int(f"{where}.length", self.length, low=1, fix="use a length of at least 1 day, e.g. 7")
        try:  # a year without 29 February: the window repeats every year
            _dt.date(2001, self.month, self.day)
        except (TypeError, ValueError) as exc:
            raise DataError(
                f"promotion {self.name!r} has no valid month/day: {self.month!r}/{self.day!r}",
                column=f"{where}.month", rows=[self],
                fix="use a date that exists every year (not 29 February), e.g. month=3, day=20",
            ) from exc
        return self


@dataclass(frozen=True)
class Calendar:
    r"""The demand calendar: knobs of the time warp (see module docstring).

    ``D_d ∝ (1+trend_per_year)^(d/365.25) * weekly[dow]
    * (1 + yearly_amplitude cos(2 pi (doy - yearly_peak_day)/365.25))
    * holiday(d) * promo(d)``, and the hour-of-day profile ``hourly``.
    Holidays each year: Black Friday weekend (Friday after the fourth Thursday
    of November through Cyber Monday) ``* black_friday_uplift``, 1-21
    December ``* christmas_uplift``, 24-26 December ``* christmas_dip``.
    """

    trend_per_year: float = 0.10
    weekly: tuple[float, ...] = (1.08, 1.04, 1.00, 0.98, 0.90, 0.88, 1.12)  # Mon..Sun
    yearly_amplitude: float = 0.15
    yearly_peak_day: float = 340.0
    hourly: tuple[float, ...] = (
        0.35, 0.20, 0.15, 0.12, 0.15, 0.25, 0.50, 0.80, 1.00, 1.10, 1.20, 1.25,
        1.30, 1.25, 1.20, 1.20, 1.25, 1.35, 1.50, 1.65, 1.70, 1.55, 1.20, 0.75,
    )
    black_friday_uplift: float = 1.8
    christmas_uplift: float = 1.2
    christmas_dip: float = 0.6
    promotions: tuple[Promotion, ...] = (
        Promotion("Spring sale", 3, 20, 7, 1.3, 0.15),
        Promotion("Summer sale", 7, 1, 10, 1.3, 0.20),
        Promotion("Autumn sale", 10, 10, 5, 1.3, 0.10),
    )

    @classmethod
    def flat(cls) -> Calendar:
        """No trend, seasonality, holidays or promotions: calendar = operational time."""
        return cls(
            trend_per_year=0.0, weekly=(1.0,) * 7, yearly_amplitude=0.0,
            hourly=(1.0,) * 24, black_friday_uplift=1.0, christmas_uplift=1.0,
            christmas_dip=1.0, promotions=(),
        )

    def check(self) -> Calendar:
        """This calendar, if it is usable; else a :class:`DataError` naming the field."""
        _check_multipliers("calendar.weekly", self.weekly, 7)
        _check_multipliers("calendar.hourly", self.hourly, 24)
        for name in ("black_friday_uplift", "christmas_uplift", "christmas_dip"):
            check_number(f"calendar.{name}", getattr(self, name), low=0.0, open_low=True,
                         fix="use a multiplier > 0 (1 = no effect)")
        check_number("calendar.yearly_amplitude", self.yearly_amplitude, low=0.0, high=1.0,
                     open_high=True, fix="use an amplitude in [0, 1), e.g. 0.15")
        check_number("calendar.yearly_peak_day", self.yearly_peak_day,
                     fix="use the day of the year of the peak, e.g. 340")
        check_number("calendar.trend_per_year", self.trend_per_year, low=-1.0, open_low=True,
                     fix="use a growth rate > -1 (e.g. 0.1 for +10 % a year)")
        for promo in self.promotions:
            if not isinstance(promo, Promotion):
                raise DataError(
                    f"calendar.promotions must hold Promotion objects, got {promo!r}",
                    column="calendar.promotions",
                    fix="build each as Promotion(name, month, day, length, uplift, discount)",
                )
            promo.check()
        return self


def _check_multipliers(name: str, values: Any, n: int) -> None:
    """``values`` must be ``n`` finite multipliers > 0."""
    try:
        v = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        v = np.full(1, np.nan)
    if v.shape != (n,) or not np.all(np.isfinite(v)) or np.any(v <= 0):
        raise DataError(
            f"{name} must be {n} positive multipliers, got {values!r}",
            column=name, rows=[values], fix=f"give exactly {n} numbers > 0",
        )


def _check_personas(personas: Sequence[Persona] | None) -> tuple[Persona, ...]:
    if personas is None:
        return DEFAULT_PERSONAS
    personas = tuple(personas) if isinstance(personas, Sequence) else ()
    if not personas or not all(isinstance(p, Persona) for p in personas):
        raise DataError(
            "personas must be a non-empty sequence of Persona",
            column="personas",
            fix="pass e.g. personas=DEFAULT_PERSONAS[:2] or build Persona(...) objects",
        )
    names = [p.name for p in personas]
    if len(set(names)) != len(names):
        raise DataError(
            "persona names must be unique", column="personas", rows=names,
            fix="give each Persona a distinct name",
        )
    for p in personas:
        p.check()
    total = sum(p.share for p in personas)
    if abs(total - 1.0) > 1e-6:
        raise DataError(
            f"persona shares must sum to 1, they sum to {total:.6g}",
            column="personas",
            rows=[f"{p.name}: {p.share}" for p in personas],
            fix="rescale the shares so that they add up to 1",
        )
    return personas


def _check_calendar(calendar: Calendar | None) -> Calendar:
    if calendar is None:
        return Calendar()
    if not isinstance(calendar, Calendar):
        raise DataError(
            f"calendar must be a Calendar, got {type(calendar).__name__}",
            column="calendar", fix="pass Calendar(...) or Calendar.flat() or None",
        )
    return calendar.check()


def _check_start(start: Any) -> pd.Timestamp:
    """A timezone-naive midnight date: the first day of the window."""
    fix = "pass a plain date without a time or timezone, e.g. start='2023-01-01'"
    day = check_day("start", start, fix=fix)
    if pd.Timestamp(start) != day:
        raise DataError(
            f"start must be a timezone-naive midnight date, got {start!r}", column="start", fix=fix
        )
    return day.as_unit("us")


@dataclass(frozen=True)
class ShopConfig:
    """The settings of a simulated shop, checked and normalised when made.

    ``seed``
        Seed of every random draw (catalogue, customers, fraud labels).
    ``start``, ``days``
        Observation window ``[start, start + days)``; ``start`` is stored as a
        midnight :class:`pandas.Timestamp`.
    ``personas``
        Customer types (``None``: :data:`DEFAULT_PERSONAS`); shares sum to 1.
    ``calendar``
        Demand calendar (``None``: ``Calendar()``; ``Calendar.flat()`` makes
        calendar time equal to operational time).
    ``n_products``, ``temperature``, ``taste_noise``
        Catalogue size; softmax temperature of ``P(j|i) ∝ pi_j exp(U_i.V_j/T)``;
        sd of the customer's taste around its persona's.
    ``acquisition_decay``
        ``kappa`` of the acquisition density ``∝ exp(-kappa tau / days)``.
    ``country_mismatch_rate``, ``main_channel_prob``, ``max_quantity``
        P(shipping country differs); P(an order uses the main channel); cap on
        units per line.

    ``ShopConfig(days=365)`` or ``dataclasses.replace(config, seed=1)`` give a
    checked config; a bad value raises :class:`DataError` naming the field.
    """

    seed: int = 0
    start: str | _dt.date | pd.Timestamp = "2023-01-01"
    days: int = 730
    personas: Sequence[Persona] | None = None
    calendar: Calendar | None = None
    n_products: int = 400
    temperature: float = 0.5
    taste_noise: float = 0.7
    acquisition_decay: float = 2.5
    country_mismatch_rate: float = 0.04
    main_channel_prob: float = 0.85
    max_quantity: int = 100

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Check every field and store its normalised value (called when the config is made)."""
        checked = {
            "seed": check_int("seed", self.seed, low=0, fix="pass a non-negative integer seed, e.g. seed=0"),
            "start": _check_start(self.start),
            "days": check_int("days", self.days, low=7, fix="use a window of at least a week, e.g. days=730"),
            "personas": _check_personas(self.personas),
            "calendar": _check_calendar(self.calendar),
            "n_products": check_int(
                "n_products", self.n_products, low=len(CATEGORIES), high=MAX_PRODUCTS,
                fix=f"use between {len(CATEGORIES)} and {MAX_PRODUCTS} products (the vocabulary's "
                "distinct names), e.g. n_products=400",
            ),
            "temperature": check_number("temperature", self.temperature, low=0.0, open_low=True,
                                        fix="use a positive softmax temperature, e.g. 0.5"),
            "taste_noise": check_number("taste_noise", self.taste_noise, low=0.0,
                                        fix="use a standard deviation >= 0, e.g. 0.7"),
            "acquisition_decay": check_number(
                "acquisition_decay", self.acquisition_decay, low=0.0, high=50.0, open_high=True,
                fix="use a decay >= 0 (0 = uniform acquisition), e.g. 2.5",
            ),
            "country_mismatch_rate": check_number(
                "country_mismatch_rate", self.country_mismatch_rate, low=0.0, high=1.0,
                open_high=True, fix="use a probability in [0, 1), e.g. 0.04",
            ),
            "main_channel_prob": check_number("main_channel_prob", self.main_channel_prob, low=0.0,
                                              high=1.0, fix="use a probability in [0, 1], e.g. 0.85"),
            "max_quantity": check_int("max_quantity", self.max_quantity, low=1,
                                      fix="use a cap of at least 1 unit per line, e.g. 100"),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)


CONFIG_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(ShopConfig))


def resolve_config(
    config: ShopConfig | None, seed: int | None, options: Mapping[str, Any], *, caller: str
) -> ShopConfig:
    """``config`` (default ``ShopConfig()``) with ``seed`` and the keyword ``options`` applied.

    ``options`` are :class:`ShopConfig` fields given as keyword arguments of
    ``caller``, the form used before :class:`ShopConfig` existed; they win
    over ``config``'s values.
    """
    if config is not None and not isinstance(config, ShopConfig):
        raise DataError(
            f"config must be a ShopConfig, got {type(config).__name__}",
            column="config", fix=f"pass config=ShopConfig(...) or leave it out of {caller}(...)",
        )
    unknown = sorted(set(options) - set(CONFIG_FIELDS))
    if unknown:
        raise DataError(
            f"{caller} got unknown argument(s): {', '.join(unknown)}",
            column=", ".join(unknown),
            fix=f"check the spelling; the shop's settings are {', '.join(CONFIG_FIELDS)}",
        )
    changes = dict(options) if seed is None else {**options, "seed": seed}
    return ShopConfig(**changes) if config is None else dataclasses.replace(config, **changes)
