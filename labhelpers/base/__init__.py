"""The small shared helpers, the lowest layer: argument checks, safe file writes, the runtime
(seeds, devices, threads, interactive or batch), the environment variables, a notebook file's
reader, the parameters' declarations, the machine in words and the epoch line. They import
nothing else of labhelpers."""
