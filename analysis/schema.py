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
