"""The shop's vocabulary and its catalogue of products (step 1 of the story in :mod:`analysis.shop`).

``n_products`` products spread evenly over the 8 :data:`CATEGORIES`; a product
is ``"<Adjective> <Noun>, <Colour>"`` drawn without replacement from its
category's vocabulary, its base price ``noun_price * exp(N(0, 0.25^2))``
rounded to ``x.99``, its latent factor ``V_j`` (category centre plus noise in
three style coordinates, standardised log price in the fourth) and a
long-tailed popularity ``pi_j = w_cat(j) * exp(N(0, 0.5^2))``.  The catalogue
is drawn from ``SeedSequence(seed, spawn_key=(0,))``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CATEGORIES: tuple[str, ...] = (
    "Home",
    "Kitchen",
    "Garden",
    "Stationery",
    "Toys",
    "Fashion",
    "Beauty",
    "Electronics",
)
CHANNELS: tuple[str, ...] = ("web", "app", "marketplace")
COUNTRIES: tuple[tuple[str, float], ...] = (
    ("United Kingdom", 0.45),
    ("Germany", 0.12),
    ("France", 0.10),
    ("Netherlands", 0.06),
    ("Ireland", 0.06),
    ("Spain", 0.05),
    ("Italy", 0.05),
    ("Belgium", 0.04),
    ("United States", 0.04),
    ("Australia", 0.03),
)

# category -> (adjectives, {noun: typical price})
_VOCABULARY: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    "Home": (
        ("Vintage", "Linen", "Velvet", "Rustic", "Modern", "Scandi"),
        {"Cushion": 18, "Throw Blanket": 35, "Candle": 12, "Vase": 22,
         "Photo Frame": 14, "Table Lamp": 45, "Doormat": 20, "Wall Clock": 28},
    ),
    "Kitchen": (
        ("Ceramic", "Bamboo", "Enamel", "Stoneware", "Glass", "Steel"),
        {"Mug": 8, "Teapot": 25, "Cutting Board": 18, "Mixing Bowl": 16,
         "Knife Set": 55, "Apron": 14, "Storage Jar": 10, "Salad Servers": 12},
    ),
    "Garden": (
        ("Terracotta", "Galvanised", "Wooden", "Rattan", "Recycled", "Heritage"),
        {"Planter": 22, "Watering Can": 18, "Bird Feeder": 15, "Garden Gloves": 9,
         "Solar Lantern": 20, "Hose Reel": 40, "Seed Tray": 6, "Trowel": 11},
    ),
    "Stationery": (
        ("Recycled", "Kraft", "Floral", "Leather", "Pastel", "Classic"),
        {"Notebook": 7, "Pen Set": 9, "Desk Organiser": 16, "Greeting Card": 3,
         "Wrapping Paper": 4, "Planner": 14, "Sticker Pack": 3, "Pencil Case": 8},
    ),
    "Toys": (
        ("Wooden", "Rainbow", "Mini", "Jumbo", "Retro", "Classic"),
        {"Jigsaw Puzzle": 15, "Plush Bear": 18, "Building Blocks": 30, "Kite": 16,
         "Board Game": 28, "Yo-Yo": 5, "Toy Car": 10, "Hand Puppet": 12},
    ),
    "Fashion": (
        ("Wool", "Cotton", "Leather", "Silk", "Denim", "Knitted"),
        {"Scarf": 20, "Tote Bag": 15, "Beanie": 14, "Umbrella": 18, "Wallet": 25,
         "Sunglasses": 30, "Socks": 6, "Belt": 22},
    ),
    "Beauty": (
        ("Lavender", "Rose", "Citrus", "Coconut", "Unscented", "Organic"),
        {"Soap Bar": 5, "Hand Cream": 9, "Bath Salts": 11, "Lip Balm": 4,
         "Face Mask": 7, "Eau de Parfum": 45, "Hair Brush": 12, "Body Lotion": 13},
    ),
    "Electronics": (
        ("Wireless", "Compact", "Slim", "Rugged", "Pro", "Mini"),
        {"Phone Case": 15, "USB Cable": 8, "Earbuds": 40, "Power Bank": 30,
         "Desk Lamp": 35, "Bluetooth Speaker": 55, "Charger": 20, "Smart Plug": 18},
    ),
}
_COLOURS: tuple[str, ...] = (
    "Blue", "Red", "Green", "Black", "White", "Grey", "Pink", "Yellow", "Navy", "Cream",
)
CATEGORY_POPULARITY: dict[str, float] = {
    "Home": 1.2, "Kitchen": 1.1, "Garden": 0.7, "Stationery": 0.8,
    "Toys": 0.9, "Fashion": 1.3, "Beauty": 1.0, "Electronics": 0.9,
}
# vertices of the cube {-1, 1}^3 / sqrt(3): the category centres in taste space
CATEGORY_CENTRES = np.array(
    [
        [1, 1, 1], [1, 1, -1], [1, -1, 1], [-1, 1, 1],
        [-1, 1, -1], [-1, -1, 1], [-1, -1, -1], [1, -1, -1],
    ],
    dtype=np.float64,
) / np.sqrt(3.0)
STYLE_DIM = 3
LATENT_DIM = STYLE_DIM + 1  # three style coordinates + price
_PRODUCT_STYLE_NOISE = 0.35
_PRICE_NOISE = 0.25
_POPULARITY_NOISE = 0.5
# the most products with distinct names: 8 categories x the smallest vocabulary
MAX_PRODUCTS = len(CATEGORIES) * min(
    len(adjectives) * len(nouns) * len(_COLOURS) for adjectives, nouns in _VOCABULARY.values()
)


@dataclass(frozen=True, eq=False)
class Catalogue:
    """The products, row ``j`` = product ``P<j>``; shared by every chunk of customers."""

    category: np.ndarray  # int index into CATEGORIES
    description: np.ndarray  # str objects
    base_price: np.ndarray  # before promotions
    popularity: np.ndarray  # pi_j, sums to 1
    V: np.ndarray  # latent factors, n_products x LATENT_DIM
    price_log_mean: float  # used to standardise V[:, 3]
    price_log_sd: float

    @property
    def n_products(self) -> int:
        return len(self.base_price)


def _product_names(
    rng: np.random.Generator, n_products: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Category index, description and the noun's typical price of each product, shuffled."""
    n_cat = len(CATEGORIES)
    counts = np.full(n_cat, n_products // n_cat)
    counts[: n_products % n_cat] += 1
    cats, descs, nominal = [], [], []
    for c, name in enumerate(CATEGORIES):
        adjectives, nouns = _VOCABULARY[name]
        noun_names = list(nouns)
        n_combo = len(adjectives) * len(noun_names) * len(_COLOURS)
        picks = rng.choice(n_combo, size=counts[c], replace=False)
        adj_i, rest = np.divmod(picks, len(noun_names) * len(_COLOURS))
        noun_i, col_i = np.divmod(rest, len(_COLOURS))
        for a_i, n_i, k_i in zip(adj_i, noun_i, col_i, strict=True):
            noun = noun_names[n_i]
            descs.append(f"{adjectives[a_i]} {noun}, {_COLOURS[k_i]}")
            nominal.append(nouns[noun])
            cats.append(c)
    cats_a = np.asarray(cats, dtype=np.int64)
    desc_a = np.asarray(descs, dtype=object)
    nominal_a = np.asarray(nominal, dtype=np.float64)
    # shuffle so that product ids are not grouped by category
    perm = rng.permutation(n_products)
    return cats_a[perm], desc_a[perm], nominal_a[perm]


def make_catalogue(n_products: int, seed: int) -> Catalogue:
    """Draw the catalogue (arguments already checked by :class:`ShopConfig`)."""
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0,)))
    cats, descriptions, nominal = _product_names(rng, n_products)
    raw = nominal * np.exp(rng.normal(0.0, _PRICE_NOISE, n_products))
    base_price = np.maximum(np.round(raw) - 0.01, 0.99)
    log_price = np.log(base_price)
    price_log_mean = float(log_price.mean())
    price_log_sd = float(log_price.std()) or 1.0
    V = np.empty((n_products, LATENT_DIM))
    V[:, :STYLE_DIM] = CATEGORY_CENTRES[cats] + rng.normal(
        0.0, _PRODUCT_STYLE_NOISE, (n_products, STYLE_DIM)
    )
    V[:, STYLE_DIM] = (log_price - price_log_mean) / price_log_sd
    cat_pop = np.array([CATEGORY_POPULARITY[c] for c in CATEGORIES])
    cat_pop = cat_pop / cat_pop.sum()
    popularity = cat_pop[cats] * np.exp(rng.normal(0.0, _POPULARITY_NOISE, n_products))
    return Catalogue(
        category=cats,
        description=descriptions,
        base_price=base_price,
        popularity=popularity / popularity.sum(),
        V=V,
        price_log_mean=price_log_mean,
        price_log_sd=price_log_sd,
    )
