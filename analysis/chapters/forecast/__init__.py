"""Chapter forecast: its parameters and needs (``params``), steps, findings and figures."""
