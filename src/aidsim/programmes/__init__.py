"""The rules, one module per programme: small, pure, vectorised functions."""
