"""Health score helpers: the weight-fitting helper lives in fit_weights."""
