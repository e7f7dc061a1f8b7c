"""Running the model: one run (:func:`run`), batches of runs in parallel, experiments (sweeps with
replicates, resumable) and sensitivity analysis."""
