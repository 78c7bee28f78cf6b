"""Health score helpers (issue 4): the weight-fitting helper lives in fit_weights."""
