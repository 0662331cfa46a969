"""The fuzzer: random straight-line NumPy programs, checked against optad's derivatives.

``programs`` draws programs (data, printable as runnable NumPy), ``ops`` is the catalog of
operations they are made of, ``oracle`` checks one program (value, finite differences,
forward against reverse mode, Hessian-vector products), ``run`` runs it for as long as
asked: ``python tests/fuzz/run.py --minutes 5``.
"""
