"""Expert loss sequences for private prediction (filled in by the private-experts work)."""

ENVIRONMENTS = ()
