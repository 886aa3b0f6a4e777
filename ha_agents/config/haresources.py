"""haresources: resource groups (pure).

One group per logical line (``\\`` joins lines, ``#`` starts a comment)::

    NODE RESOURCE [RESOURCE...]
    RESOURCE = SCRIPT | SCRIPT::ARG[::ARG...] | a.b.c.d[/bits[/if[/bcast]]] (IPaddr shorthand)

Heartbeat 3.0.6 checks only the node names at start (and that the file exists);
everything else fails later, when a group is taken over, so we report it as warnings.
"""

from __future__ import annotations

import re

import pyparsing as pp

from ha_agents.config import search
from ha_agents.config.diagnostics import Diagnostic, warning
from ha_agents.config.lines import haresources_lines, show, words
from ha_agents.config.model import Location, ResourceGroup, ResourceSpec
from ha_agents.config.values import is_ipv4

# ResourceManager's shell pattern [0-9]*.[0-9]*.[0-9]*.[0-9]* (glob: digit, anything)
_IP_SHORTHAND = re.compile(r"^[0-9].*\.[0-9].*\.[0-9].*\.[0-9].*$", re.DOTALL)

_WS = " \t\r\f\v"
_PART = pp.Regex(r"((?!::)[^ \t\r\f\v])+").set_name("resource part")
RESOURCE = (
    _PART("name") + pp.ZeroOrMore(pp.Suppress("::") + pp.Opt(_PART, ""))("args") + pp.StringEnd()
)
RESOURCE.set_name("resource").leave_whitespace()
_PART.leave_whitespace()


def parse_resource(text: str, loc: Location) -> ResourceSpec:
    """``IPaddr::192.0.2.5/24`` -> name IPaddr, args (192.0.2.5/24,); bare IP -> IPaddr."""
    if _IP_SHORTHAND.match(text):
        return ResourceSpec("IPaddr", (text,), text, loc)
    try:
        res = RESOURCE.parse_string(text)
        name = str(res["name"])
        args = tuple(str(a) for a in res["args"]) if "args" in res else ()
    except pp.ParseException:
        parts = text.split("::")
        name, args = parts[0], tuple(parts[1:])
    return ResourceSpec(name, args, text, loc)


def parse_haresources(text: str, path: str) -> tuple[tuple[ResourceGroup, ...], list[Diagnostic]]:
    """Groups in file order, plus syntax-level warnings (node checks are cross-file)."""
    groups: list[ResourceGroup] = []
    diags: list[Diagnostic] = []
    keys_seen: dict[str, int] = {}
    res_seen: dict[str, int] = {}
    for line in haresources_lines(text):
        if line.blank:
            continue
        n = line.lineno
        loc = Location(path, n)
        if line.had_cr:
            diags.append(
                warning(
                    path,
                    n,
                    "HR202",
                    "CRLF line ending: Heartbeat starts, but its ResourceManager would look up "
                    "the last resource with a trailing CR (convert with dos2unix)",
                )
            )
        w = words(line.text)
        head = words(line.head or "")
        node = head[0] if head else w[0]
        resources = [parse_resource(t, loc) for t in w[1:]]
        if not resources:
            diags.append(
                warning(path, n, "HR206", f"group for node '{show(node)}' has no resources")
            )
        for spec in resources:
            diags.extend(_resource_warnings(spec, path, n))
            if spec.text in res_seen:
                diags.append(
                    warning(
                        path,
                        n,
                        "HR207",
                        f"resource '{show(spec.text)}' also appears on line {res_seen[spec.text]}",
                    )
                )
            res_seen.setdefault(spec.text, n)
        group = ResourceGroup(node, tuple(resources), loc)
        if group.key and group.key in keys_seen:
            diags.append(
                warning(
                    path,
                    n,
                    "HR208",
                    f"group key '{show(group.key)}' (first resource) is not unique "
                    f"(line {keys_seen[group.key]})",
                )
            )
        keys_seen.setdefault(group.key, n)
        groups.append(group)
    return tuple(groups), diags


def _resource_warnings(spec: ResourceSpec, path: str, n: int) -> list[Diagnostic]:
    out: list[Diagnostic] = []
    if ":" in spec.name and not spec.name.lower().startswith("ocf:"):
        out.append(
            warning(
                path,
                n,
                "HR204",
                f"'{show(spec.text)}': a single ':' is not an argument separator (use '::')",
            )
        )
    if spec.name in ("IPaddr", "IPaddr2", "IPsrcaddr") and spec.args:
        ip = spec.args[0].split("/", 1)[0]
        if not is_ipv4(ip):
            out.append(
                warning(
                    path, n, "HR205", f"'{show(spec.text)}': '{show(ip)}' is not an IPv4 address"
                )
            )
    if spec.name in ("IPaddr", "IPaddr2") and not spec.args:
        out.append(warning(path, n, "HR205", f"'{spec.name}' needs an address (IPaddr::ADDRESS)"))
    return out


def script_candidates(spec: ResourceSpec, config_dir: str, agents: tuple[str, ...]) -> list[str]:
    """Where the script for ``spec`` may be, in search order (:mod:`ha_agents.config.search`)."""
    name = spec.name
    if name.lower().startswith("ocf:"):
        parts = name.split(":")
        if len(parts) == 3:
            return [f"{search.OCF_ROOT}/resource.d/{parts[1]}/{parts[2]}"]
        return []
    if name == "OCF" and spec.args:
        return [f"{search.OCF_ROOT}/resource.d/heartbeat/{spec.args[0]}"]
    return [c.path for c in search.candidates(name, config_dir, agents)]
