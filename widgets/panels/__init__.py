"""The window's docked panels: dataset, training, problems, layer inspector and palette, the
plot and Look-inside docks, timeline, gallery, and their parts.
"""
