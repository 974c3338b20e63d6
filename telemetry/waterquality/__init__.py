"""Water-quality event detection beyond the first detector in telemetry.detection: the
frozen-reference robust detector (`robust`), the supervised model (`model`) and the
blocked cross-validation both are judged by (`evaluation`). Pure numpy / scikit-learn: no
database, no Flask; the monitor and the CLI call them."""
