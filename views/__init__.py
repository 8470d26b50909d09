"""The page's views and what they share: one module per view, plus state, loaders, charts and pictures.

`app.py` is the frame: it sets up the page and routes the open tab to a view's `show`.
Numbers are computed in `mlp`; these modules lay out widgets and say what they show.
"""
