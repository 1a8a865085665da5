"""The month: state, ordered step, ledger and the Mesa model."""
