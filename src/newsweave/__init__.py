"""newsweave: weave many news reports of one story into a grounded, cited brief."""

__version__ = "0.1.0"
