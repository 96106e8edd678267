"""Small reusable form widgets: generated option forms, suggestion combos, a flow layout,
scroll bodies, the wheel guard, the clickable gallery card.
"""
