"""The feed library's errors, and every sentence they say to users.

Each error's message is a sentence a person can act on (it names the status, the address or
the line), so the bot can show it as it is, e.g. after "Cannot follow that feed: ".
"""

from __future__ import annotations

BAD_URL = "{url} is not a valid URL ({reason})"
UNSUPPORTED_SCHEME = "feed URLs must start with http:// or https://, not {scheme}://"
MISSING_SCHEME = "feed URLs must start with http:// or https://, e.g. https://{url}"
PRIVATE_ADDRESS = (
    "feed URLs may not point at private or local addresses ({where}); "
    "set NEWSDIGEST_ALLOW_PRIVATE_FEEDS=1 to allow them"
)
NO_SUCH_HOST = "could not find the server {host} ({reason})"
CANNOT_CONNECT = "could not connect to {host} ({reason})"
TIMED_OUT = "{host} did not answer within {seconds:g} seconds"
TOO_SLOW = "{host} took longer than {seconds:g} seconds to send the feed"
TRANSPORT_FAILED = "the connection to {host} failed ({reason})"
SERVER_ANSWERED = "the server answered {status}"
RETRY_LATER = "the server answered {status}; it asks us to try again in {seconds:.0f} seconds"
TOO_MANY_REDIRECTS = "the feed redirects more than {limit} times ({url})"
REDIRECT_LOOP = "the feed redirects in a loop ({url} leads back to itself)"
TOO_LARGE = "the response is larger than {limit}, more than a feed or article should be"
NOT_A_FEED_MALFORMED = "not a feed: malformed XML ({where})"
NOT_A_FEED_UNKNOWN = "not a feed: the document has no RSS, Atom or JSON Feed content"
NOT_A_FEED_JSON = "not a feed: the JSON is not a JSON Feed ({reason})"
NOT_A_FEED_PAGE = "not a feed: {url} is a web page that does not link to a feed"
PAGE_LINKS_FEED = "not a feed: {url} is a web page; its feed is at {feed_url}"
PAGE_TOO_LARGE = "the page is larger than {megabytes:g} MB, too large to read as an article"
NOT_OPML = "not an OPML file ({reason})"


class FeedError(Exception):
    """A feed, page or subscription list could not be fetched or read.

    `str(error)` is a sentence for the user; nothing else needs to be added to it.
    """


class UnsafeAddress(FeedError):
    """The URL uses a scheme other than http/https, or leads to a private or local address."""


class FetchError(FeedError):
    """The server could not be reached, refused the request, or sent something unusable.

    `status` is the HTTP status when there was one; `retry_after` the seconds the server
    asked us to wait (429 and 503 with Retry-After), for the scheduler's backoff.
    """

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class NotAFeed(FeedError):
    """The document is not RSS, Atom or JSON Feed.

    When it is a web page that advertises its feed, `feed_url` holds that feed's absolute
    address, so a caller can offer it (or follow it) instead.
    """

    def __init__(self, message: str, *, feed_url: str | None = None) -> None:
        super().__init__(message)
        self.feed_url = feed_url
