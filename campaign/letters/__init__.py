"""The letters engine: merge, citations, PDF rendering.

- ``merge``: signer details, address blocks, salutations and the template context (pure).
- ``citations``: numbered notes and the Sources list, formatted with Babel (pure).
- ``terms``: salutations and locator labels marked for translation.
- ``pdf``: WeasyPrint with a URL fetcher that serves only the project's letter assets.
- ``engine``: ``LetterEngine``, the non-Flask core used by the CLI, the web, jobs and the bench.
- ``service``: the use-cases, inside a Flask app context.
"""
