"""The book's tooling, which reads the chapter registry (:mod:`analysis.chapters`).

``runner`` executes chapters with papermill and builds the HTML
(:func:`~analysis.book.runner.build_book`); ``state`` keeps the fingerprints;
``pages`` writes the generated table of contents and front-page tables;
``datapage`` the data page's numbers; ``conventions`` checks a chapter notebook;
``doctor`` checks the machine; ``handout`` writes the workshop notebooks and books,
``jupyter_md`` makes an executed notebook read in plain Jupyter, ``lab`` serves the
hand-out in JupyterLab; ``cli``
is ``python -m analysis``; ``sphinx_*`` are the book's Sphinx extensions.
"""
