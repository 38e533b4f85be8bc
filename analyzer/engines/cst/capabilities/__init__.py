"""The capability model: what each function, method, lambda and module body can do, and what it
reaches through calls, threads, callbacks, hooks and the other files of the run.

* `facts`: the vocabulary (network egress and its destination, secret reads, process spawns...).
* `summary`: one file's scopes, their facts and their unresolved edges.
* `graph`: edges resolved across the files of the run, and bounded reachability with traces.
* `delta`: the powers a change adds, compared with the same files before it.

Combination rules (`analyzer/engines/cst/rules/behaviour.py`) are written against `graph`.
"""
