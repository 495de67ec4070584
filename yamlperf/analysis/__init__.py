"""The analysis: how each endpoint grows with its data, why, and what that means for its limits.

Modules, from the bottom: ``classes`` (the growth classes' names and order, stdlib only: the
threshold language names them), ``points`` (each size's figure, its noise, bootstrap replicates),
``models`` (the candidate models and their vectorised fits), ``growth`` (model selection and its
bootstrap support), ``forecast`` (cost per record, crossings, figures at a size), ``causes``
(queries, Server-Timing, payload, writes), ``usl`` (saturation under concurrency), ``series``
(success declines, outlier endpoints), ``significance`` (two-sample tests for ``compare``),
``endpoint``/``reading`` (from a run's cells), ``gates`` (threshold rules across sizes),
``words``/``sentences`` (the findings, quoting the tables' figures), ``changes`` (class changes
between runs). Importing this package imports nothing else: the threshold language reads
``classes`` without numpy.
"""
