"""Controllers of the main window: they connect the document and the training session to the
views (run, Look inside, File, Tools, Coach notices) and run tools off the GUI thread.
"""
