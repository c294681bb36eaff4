"""The one map of the methods' display names (re-exported by ``methods/__init__.py``).

A module of its own so that the method modules, which ``methods/__init__.py`` imports, can
name their method in messages from the map without importing the package back.
"""

#: Method name -> the name shown in tables, figures, titles and messages (the one map of display names).
DISPLAY_NAMES = {"vicreg": "VICReg", "spectral_contrastive": "spectral contrastive",
                 "barlow_twins": "Barlow Twins", "simclr": "SimCLR"}

#: Shorter display names for narrow figure labels; a method not listed keeps its ``DISPLAY_NAMES`` entry.
SHORT_DISPLAY_NAMES = {**DISPLAY_NAMES, "spectral_contrastive": "spectral contr."}
