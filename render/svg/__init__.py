"""Server-rendered SVG: one line chart, one bar chart, one map."""
