"""The build pipeline: what to render (plan), on which cores (pool), the cache, the manifest and the staged writes."""
