"""Many runs: single runs, replications and baseline-versus-reform comparisons, serial or in processes."""
