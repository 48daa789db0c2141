"""Names of the canonical tables' columns: the one place they are spelled."""

# transactions (one row per order line)
ORDER = "order_id"
CUSTOMER = "customer_id"
PRODUCT = "product_id"
QUANTITY = "quantity"
PRICE = "unit_price"
TIMESTAMP = "timestamp"
DESCRIPTION = "description"
CATEGORY = "category"
COUNTRY = "country"
CHANNEL = "channel"
REVENUE = "revenue"  # derived: quantity * unit_price

TRANSACTION_REQUIRED = (ORDER, CUSTOMER, PRODUCT, QUANTITY, PRICE, TIMESTAMP)
TRANSACTION_OPTIONAL = (DESCRIPTION, CATEGORY, COUNTRY, CHANNEL)

# interactions (derived)
WEIGHT = "weight"

# customers (derived)
RECENCY = "recency"  # days from last purchase to the as-of date
FREQUENCY = "frequency"  # distinct orders
MONETARY = "monetary"  # total revenue
AOV = "avg_order_value"
TENURE = "tenure"  # days from first purchase to the as-of date
FIRST = "first_purchase"
LAST = "last_purchase"
# BG/NBD summary (Fader, Hardie & Lee 2005) for a calibration end
X = "x"  # repeat purchase periods in calibration
T_X = "t_x"  # time of last purchase since first
T_CAL = "T"  # age at calibration end
REPEAT_VALUE = "monetary_value"  # mean value of repeat purchase periods
X_HOLDOUT = "x_holdout"  # repeat purchase days in the holdout period
DURATION_HOLDOUT = "duration_holdout"  # length of the holdout, in the summary's time unit

# segmentation and CLV (derived, one row per customer)
SEGMENT = "segment"  # k-means segment number (0 = largest)
SEGMENT_NAME = "segment_name"  # rule-based name of the k-means segment
VALUE_TIER = "value_tier"  # high / medium / low by cumulative revenue share
R_SCORE = "r_score"  # RFM recency score 1-5 (5 = most recent fifth)
F_SCORE = "f_score"  # RFM frequency score 1-5
M_SCORE = "m_score"  # RFM monetary score 1-5
RFM_SCORE = "rfm_score"  # the three scores as text, e.g. "545"
RFM_SEGMENT = "rfm_segment"  # named RFM segment (champions, loyal, ..., lost)
OVERDUE = "overdue"  # recency in units of the customer's own mean gap between orders (repeat buyers only)
P_ALIVE = "p_alive"  # BG/NBD probability of being active at the end of the data
EXPECTED_PURCHASES = "expected_purchases"  # expected repeat purchase days over the CLV horizon
EXPECTED_SPEND = "expected_spend"  # Gamma-Gamma expected value per purchase day
CLV = "clv"  # discounted expected revenue over the CLV horizon
WIN_BACK = "win_back"  # on the win-back list: by P(alive) when the BG/NBD holds its holdout, else by overdue
