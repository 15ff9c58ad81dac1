"""What the pages share and what needs streamlit: cached readers, sidebar pickers, badges, charts.

Nothing here runs SQL or computes a figure: every number comes from :mod:`okrdata`, and these
modules only cache, format and lay it out.
"""
