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


def parse_authkeys(
    text: str, path: str, mode: int | None = 0o600, extensions: bool = True
) -> tuple[AuthKeys | None, list[Diagnostic]]:
    """Parse authkeys text.  ``mode`` is the file's permission bits (None: unknown).

    Returns ``None`` for the keys when Heartbeat would refuse the file.  With
    ``extensions`` an ``sha256`` key is a warning (ha_agents-only clusters), otherwise
    an error, as Heartbeat 3.0.6 sees it.
    """
    diags: list[Diagnostic] = []
    refused = False
    if mode is not None and bad_mode(mode):
        diags.append(
            error(
                path,
                1,
                "HK301",
                f"bad permissions {mode & 0o777:04o} on keyfile: group/other may read or write "
                f"it; Heartbeat refuses it (fix: chmod 600 {path})",
            )
        )
        refused = True
    active: int | None = None
    auth_loc: Location | None = None
    keys: dict[int, AuthKey] = {}
    for line in authkeys_lines(text):
        if line.blank:
            continue
        n = line.lineno
        body = line.text.lstrip(BLANKS)
        first = words(body)[0]
        if body.startswith("auth"):
            # "auth 1", "auth\t1", even "auth1" and "auth 01" work; the number is required
            tail = body[4:].lstrip(BLANKS)
            digits = len(tail) - len(tail.lstrip("0123456789"))
            if digits == 0:
                diags.append(
                    error(
                        path,
                        n,
                        "HK303",
                        f"invalid auth line '{show(body)}' (write 'auth N' with N the key index)",
                    )
                )
                refused = True
                continue
            if active is not None:
                diags.append(
                    warning(
                        path,
                        n,
                        "HK308",
                        f"second 'auth' line (first on line {auth_loc}); the last one wins",
                    )
                )
            active = int(tail[:digits])
            auth_loc = Location(path, n)
            if active > MAX_INDEX:
                diags.append(error(path, n, "HK304", f"invalid authnum [{active}] (0-{MAX_INDEX})"))
                refused = True
            continue
        parsed = split_key_line(body)
        if parsed is None:
            hint = " ('auth' is lower case)" if first.lower() == "auth" else ""
            diags.append(
                error(
                    path,
                    n,
                    "HK302",
                    f"auth line '{show(body)}' is invalid{hint} "
                    "(expected 'auth N' or 'N METHOD [KEY]')",
                )
            )
            refused = True
            continue
        index, method_text, key_words = parsed
        if index > MAX_INDEX:
            diags.append(error(path, n, "HK304", f"invalid authnum [{index}] (0-{MAX_INDEX})"))
            refused = True
            continue
        method = _METHODS.get(method_text)
        if method is None and method_text == "sha256":
            method = AuthMethod.SHA256
            sev = warning if extensions else error
            diags.append(
                sev(
                    path,
                    n,
                    "HK306",
                    "sha256 is an ha_agents extension: Heartbeat 3.0.6 nodes refuse this "
                    "file (Invalid authtype); use it only when every node runs ha_agents",
                )
            )
            refused = refused or not extensions
        if method is None:
            hint = ""
            if method_text.lower() in _METHODS:
                hint = f" (methods are lower case: '{method_text.lower()}')"
            elif not method_text:
                hint = " (missing method: crc, md5 or sha1)"
            diags.append(error(path, n, "HK305", f"invalid authtype [{show(method_text)}]{hint}"))
            refused = True
            continue
        if method is not AuthMethod.CRC and not key_words:
            diags.append(error(path, n, "HK307", f"auth method [{method.value}] requires a key"))
            refused = True
            continue
        if method is AuthMethod.CRC and key_words:
            diags.append(
                error(
                    path,
                    n,
                    "HK314",
                    f"crc takes no key: Heartbeat refuses a key after 'crc' (write '{index} crc')",
                )
            )
            refused = True
            continue
        key = encode(key_words[0]) if key_words else b""
        if len(key_words) > 1:
            diags.append(
                warning(
                    path,
                    n,
                    "HK309",
                    f"key has blanks: Heartbeat signs with the first word only "
                    f"('{show(key_words[0])}')",
                )
            )
        if key[:1] in (b'"', b"'"):
            diags.append(
                warning(
                    path,
                    n,
                    "HK311",
                    "the quotes are part of the key (Heartbeat does not strip them)",
                )
            )
        if index in keys:
            diags.append(
                warning(path, n, "HK312", f"key {index} defined twice; the last one is used")
            )
        keys[index] = AuthKey(index, method, key, Location(path, n))
    if active is None:
        diags.append(
            error(path, 1, "HK310", "missing 'auth N' directive (which key signs messages)")
        )
        return None, diags
    if active not in keys:
        auth_line = auth_loc.line if auth_loc else 1
        diags.append(error(path, auth_line, "HK313", f"auth key [{active}] not found in keyfile"))
        return None, diags
    if refused:
        return None, diags
    return AuthKeys(active=active, keys=keys, loc=auth_loc), diags
