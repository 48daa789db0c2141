"""The folder a new chapter starts from: copy it to ``analysis/chapters/<name>/`` (see ``../README.md``).

It is a working chapter (a tiny one: headline KPIs and monthly revenue), so a copy
runs and builds before the first edit; ``notebooks/_template.ipynb`` calls it.
"""
