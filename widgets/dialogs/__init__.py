"""Dialogs and secondary windows: importing data, the capacity sweep, variants and the Compare
window.
"""
