"""authkeys: grammar and build into :class:`AuthKeys` (pure; the file mode is an input).

::

    auth N            N = 0..15, the key index used to sign
    N METHOD [KEY]    METHOD = crc | md5 | sha1 (case sensitive); KEY needed for md5/sha1

The key is the first word after the method, quotes included (a node with
``1 md5 "secret"`` cannot talk to one with ``1 md5 secret``).  ``sha256`` is an
ha_agents extension that Heartbeat 3.0.6 refuses ("Invalid authtype").
"""

from __future__ import annotations

import functools

import pyparsing as pp

from ha_agents.config.diagnostics import Diagnostic, error, warning
from ha_agents.config.lines import BLANKS, authkeys_lines, encode, show, words
from ha_agents.config.model import AuthKey, AuthKeys, AuthMethod, Location

MAX_INDEX = 15

_WS = " \t\r\f\v"
_INDEX = pp.Regex(r"[0-9]+").set_name("key index")
_AUTH = pp.Keyword("auth").set_name("'auth'")
AUTH_LINE = (_AUTH + pp.Optional(pp.Regex(r"[^ \t\r\f\v]+")("index"))).set_name("auth line")
KEY_LINE = (
    _INDEX("index")
    + pp.Optional(pp.Regex(r"[^ \t\r\f\v]+")("method"))
    + pp.Optional(pp.Regex(r".+")("key"))
    + pp.StringEnd()
).set_name("key line")
for _el in (_INDEX, _AUTH, AUTH_LINE, KEY_LINE):
    _el.set_whitespace_chars(_WS, copy_defaults=False)

_METHODS = {"crc": AuthMethod.CRC, "md5": AuthMethod.MD5, "sha1": AuthMethod.SHA1}


@functools.lru_cache(maxsize=1024)
def split_key_line(body: str) -> tuple[int, str, tuple[str, ...]] | None:
    """(index, method, key words) of ``N METHOD [KEY]`` by KEY_LINE; None if no match."""
    try:
        res = KEY_LINE.parse_string(body)
    except pp.ParseException:
        return None
    method = str(res["method"]) if "method" in res else ""
    return int(res["index"]), method, tuple(words(str(res["key"]))) if "key" in res else ()


def bad_mode(mode: int) -> bool:
    """Heartbeat refuses an authkeys file with any group/other read or write bit."""
    return bool(mode & 0o066)


class _Reader:
    """The state of one authkeys file being read: what Heartbeat would know so far."""

    def __init__(self, path: str, extensions: bool) -> None:
        self.path = path
        self.extensions = extensions
        self.diags: list[Diagnostic] = []
        self.refused = False
        self.active: int | None = None
        self.auth_loc: Location | None = None
        self.keys: dict[int, AuthKey] = {}

    def error(self, n: int, code: str, text: str) -> None:
        self.diags.append(error(self.path, n, code, text))
        self.refused = True

    def warning(self, n: int, code: str, text: str) -> None:
        self.diags.append(warning(self.path, n, code, text))

    def auth_line(self, body: str, n: int) -> None:
        """``auth N``: "auth 1", "auth\t1", even "auth1" and "auth 01" work."""
        tail = body[4:].lstrip(BLANKS)
        digits = len(tail) - len(tail.lstrip("0123456789"))
        if digits == 0:
            text = f"invalid auth line '{show(body)}' (write 'auth N' with N the key index)"
            self.error(n, "HK303", text)
            return
        if self.active is not None:
            text = f"second 'auth' line (first on line {self.auth_loc}); the last one wins"
            self.warning(n, "HK308", text)
        self.active = int(tail[:digits])
        self.auth_loc = Location(self.path, n)
        if self.active > MAX_INDEX:
            self.error(n, "HK304", f"invalid authnum [{self.active}] (0-{MAX_INDEX})")

    def key_line(self, body: str, n: int) -> None:
        """``N METHOD [KEY]``."""
        parsed = split_key_line(body)
        if parsed is None:
            hint = " ('auth' is lower case)" if words(body)[0].lower() == "auth" else ""
            text = (
                f"auth line '{show(body)}' is invalid{hint} (expected 'auth N' or 'N METHOD [KEY]')"
            )
            self.error(n, "HK302", text)
            return
        index, method_text, key_words = parsed
        if index > MAX_INDEX:
            self.error(n, "HK304", f"invalid authnum [{index}] (0-{MAX_INDEX})")
            return
        method = self.method(method_text, n)
        if method is None or not self.key_fits(method, index, key_words, n):
            return
        self.key_warnings(index, key_words, n)
        key = encode(key_words[0]) if key_words else b""
        self.keys[index] = AuthKey(index, method, key, Location(self.path, n))

    def method(self, text: str, n: int) -> AuthMethod | None:
        method = _METHODS.get(text)
        if method is None and text == "sha256":
            sev = self.warning if self.extensions else self.error
            sev(
                n,
                "HK306",
                "sha256 is an ha_agents extension: Heartbeat 3.0.6 nodes refuse this "
                "file (Invalid authtype); use it only when every node runs ha_agents",
            )
            return AuthMethod.SHA256
        if method is None:
            hint = ""
            if text.lower() in _METHODS:
                hint = f" (methods are lower case: '{text.lower()}')"
            elif not text:
                hint = " (missing method: crc, md5 or sha1)"
            self.error(n, "HK305", f"invalid authtype [{show(text)}]{hint}")
        return method

    def key_fits(self, method: AuthMethod, index: int, key: tuple[str, ...], n: int) -> bool:
        if method is not AuthMethod.CRC and not key:
            self.error(n, "HK307", f"auth method [{method.value}] requires a key")
            return False
        if method is AuthMethod.CRC and key:
            text = f"crc takes no key: Heartbeat refuses a key after 'crc' (write '{index} crc')"
            self.error(n, "HK314", text)
            return False
        return True

    def key_warnings(self, index: int, key_words: tuple[str, ...], n: int) -> None:
        if len(key_words) > 1:
            text = (
                f"key has blanks: Heartbeat signs with the first word only ('{show(key_words[0])}')"
            )
            self.warning(n, "HK309", text)
        if key_words and key_words[0][:1] in ('"', "'"):
            self.warning(
                n, "HK311", "the quotes are part of the key (Heartbeat does not strip them)"
            )
        if index in self.keys:
            self.warning(n, "HK312", f"key {index} defined twice; the last one is used")

    def result(self) -> AuthKeys | None:
        if self.active is None:
            self.error(1, "HK310", "missing 'auth N' directive (which key signs messages)")
            return None
        if self.active not in self.keys:
            auth_line = self.auth_loc.line if self.auth_loc else 1
            self.error(auth_line, "HK313", f"auth key [{self.active}] not found in keyfile")
            return None
        if self.refused:
            return None
        return AuthKeys(active=self.active, keys=self.keys, loc=self.auth_loc)


def parse_authkeys(
    text: str, path: str, mode: int | None = 0o600, extensions: bool = True
) -> tuple[AuthKeys | None, list[Diagnostic]]:
    """Parse authkeys text.  ``mode`` is the file's permission bits (None: unknown).

    Returns ``None`` for the keys when Heartbeat would refuse the file.  With
    ``extensions`` an ``sha256`` key is a warning (ha_agents-only clusters), otherwise
    an error, as Heartbeat 3.0.6 sees it.
    """
    reader = _Reader(path, extensions)
    if mode is not None and bad_mode(mode):
        reader.error(
            1,
            "HK301",
            f"bad permissions {mode & 0o777:04o} on keyfile: group/other may read or write "
            f"it; Heartbeat refuses it (fix: chmod 600 {path})",
        )
    for line in authkeys_lines(text):
        if line.blank:
            continue
        body = line.text.lstrip(BLANKS)
        if body.startswith("auth"):
            reader.auth_line(body, line.lineno)
        else:
            reader.key_line(body, line.lineno)
    return reader.result(), reader.diags
