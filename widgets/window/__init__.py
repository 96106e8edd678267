"""The main window itself: its layout on the screen, actions and menus, theme, presenter mode,
the pen, start-up.
"""
