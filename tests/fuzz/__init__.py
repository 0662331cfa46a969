"""The fuzzer: random straight-line NumPy programs, checked against optad's derivatives.

``programs`` draws programs (data, printable as runnable NumPy); ``ops`` (compute) and
``indexing`` (reads and writes by index) are the catalog of operations they are made of,
``draws`` the small draws both share; ``oracle`` checks one program (value, finite
differences, forward against reverse mode, Hessian-vector products); ``run`` runs it for
as long as asked: ``python tests/fuzz/run.py --minutes 5``.
"""
