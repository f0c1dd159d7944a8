"""Open data: the knowledge base as a Frictionless Data Package and a static, offline atlas.

* :mod:`.export` - ``triggermap export-kb DIR`` (CSV + JSON Lines + ``datapackage.json``);
* :mod:`.site` - ``triggermap site DIR`` (one page per muscle, region and condition, en and es);
* :mod:`.source` - the one adapter through which both read the knowledge base.
"""
