"""Model studies: how often a model's answers hold vulnerable code, by prompt condition.

`data` reads the answers, `batches` analyses them (here, in local processes or on Dask),
`stats` computes the figures, `output` and `page` write them. `command` is the CLI.
"""
