"""The window's side of lessons: the Lesson dock and panel, and the gallery's lesson cards.
"""
