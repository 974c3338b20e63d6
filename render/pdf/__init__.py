"""PDF helpers: text escaping for reportlab markup and the fast direct writer."""
