"""Sales forecasting and inventory: the Forecasting chapter's package."""
