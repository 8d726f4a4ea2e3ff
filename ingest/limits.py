"""The limits ingest keeps to, in one light module (the command line's help shows them
without importing the parser or the crawler)."""

#: Pages larger than this are refused rather than parsed (bytes of HTML, after any
#: decompression).
MAX_PAGE_BYTES = 5_000_000
#: A page that takes longer than this to parse is skipped, with the reason (seconds).
PARSE_TIME_LIMIT = 10.0
#: The longest pause between two requests a site's robots.txt may ask for (seconds); a
#: longer Crawl-delay is capped, and the crawl says so.
MAX_CRAWL_DELAY = 10.0
