"""Feeds from the web: fetching safely, reading RSS, Atom, JSON Feed and OPML, extracting
articles. Platform-free building blocks; the store and the scheduler decide when to call them."""
