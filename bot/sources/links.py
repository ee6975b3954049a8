"""Entry identity: links normalised so one story has one address, and the key it is stored by."""

from __future__ import annotations

import hashlib
from urllib.parse import unquote_plus, urlsplit, urlunsplit

# Query parameters that say where a click came from, never what the page is: campaign tags,
# ad-click ids and newsletter ids. Other parameters stay, in their order, as they were written.
_TRACKING_PREFIXES = ("utm_",)
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref_src",
        "ref_url",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "wt_mc",
    }
)
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Keys go into an indexed column; a longer guid or link is stored by its hash instead.
MAX_KEY_CHARS = 200


def _is_tracking(param: str) -> bool:
    name = unquote_plus(param.partition("=")[0]).lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def normalise_link(url: str) -> str:
    """The link with its variations removed, so two spellings of one page compare equal.

    Lowercases the scheme and host, drops the default port, the fragment and tracking
    parameters, and gives an empty http(s) path as "/". The path and the other parameters
    are kept exactly (their case and encoding can matter to the server). A URL that cannot
    be split (a bad port, say) comes back stripped but otherwise unchanged.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    netloc = f"{userinfo}{at}{host}"
    path = parts.path or ("/" if scheme in _DEFAULT_PORTS and netloc else "")
    query = "&".join(p for p in parts.query.split("&") if p and not _is_tracking(p))
    return urlunsplit((scheme, netloc, path, query, ""))


def _bounded(kind: str, value: str) -> str:
    key = f"{kind}:{value}"
    if len(key) <= MAX_KEY_CHARS:
        return key
    return f"{kind}-sha256:{hashlib.sha256(value.encode()).hexdigest()}"


def entry_key(guid: str | None, link: str | None, title: str, text: str) -> str:
    """The key a feed entry is stored by, unique within its feed and stable across fetches.

    The publisher's guid when it gave one ("guid:…"), else the normalised link ("link:…"),
    else a hash of the title and text with their spacing evened out ("hash:…"), for feeds
    that give neither. Values too long for an index are replaced by their SHA-256.
    """
    if guid and guid.strip():
        return _bounded("guid", guid.strip())
    if link and link.strip():
        return _bounded("link", normalise_link(link))
    content = " ".join(title.split()) + "\n" + " ".join(text.split())
    return "hash:" + hashlib.sha256(content.encode()).hexdigest()[:32]
