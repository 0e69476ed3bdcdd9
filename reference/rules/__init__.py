"""The update rules of the lecture in CS231n's form, one module per rule named as the
rule; `running_average.py` is the test-time parameter average."""
