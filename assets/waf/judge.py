"""Judges an attack tool's run request by request: how many of the requests it sent carried a payload, and
how many of those the WAF blocked (403). Used by attack-tools.sh.

  judge.py log FILE FIRST_LINE NAME PARAMETER ORIGINAL MINIMUM   — serve's access log, from FIRST_LINE on
  judge.py har FILE NAME PLACE PARAMETER ORIGINAL MINIMUM        — sqlmap's HAR file; PLACE: json, cookie, header

A request carries a payload when its parameter's value is neither the original value nor a plain word or
number (tools send those to learn how the page varies). Exits 1 when the blocked share is under MINIMUM
(per cent) or the tool sent nothing.
"""
import json
import re
import sys
import urllib.parse


def from_access_log(path, first, parameter):
    with open(path, errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            match = re.search(r'info http: (GET|POST) (/api/\S*) (\d{3}) ', line) if number >= first else None
            if match:
                query = urllib.parse.parse_qs(urllib.parse.urlsplit(match.group(2)).query, keep_blank_values=True)
                yield query.get(parameter, [""])[0], int(match.group(3))


def from_har(path, place, parameter):
    try:
        entries = json.load(open(path))["log"]["entries"]
    except (OSError, ValueError, KeyError):
        return
    for entry in entries:
        request = entry["request"]
        headers = {h["name"].lower(): h["value"] for h in request.get("headers", [])}
        value = None
        if place == "json":
            text = request.get("postData", {}).get("text", "")
            try:
                value = str(json.loads(text).get(parameter, ""))
            except (ValueError, AttributeError):
                value = text  # a body the tool broke is a payload too
        elif place == "cookie":
            for pair in headers.get("cookie", "").split(";"):
                key, _, text = pair.strip().partition("=")
                if key == parameter:
                    value = text
        else:
            value = headers.get(parameter.lower(), "")
        yield value, entry["response"]["status"]


def report(name, requests, original, minimum):
    sent = carrying = blocked = 0
    passed = []
    for value, status in requests:
        sent += 1
        if value is None or value == original or re.fullmatch(r"-?[A-Za-z0-9]*", value):
            continue
        carrying += 1
        if status == 403:
            blocked += 1
        else:
            passed.append(value)
    share = 100.0 * blocked / carrying if carrying else 0.0
    print(f"{name}: {sent} requests, {carrying} carrying a payload, {blocked} blocked ({share:.1f} %), {len(passed)} passed")
    for value in sorted(set(passed))[:40]:
        print("  passed:", value.encode("unicode_escape").decode("ascii")[:200])
    if len(set(passed)) > 40:
        print(f"  … and {len(set(passed)) - 40} more distinct values")
    if carrying == 0 or share < minimum:
        print(f"{name}: below the required {minimum:.1f} % (or sent nothing)")
        return 1
    return 0


if __name__ == "__main__":
    mode, arguments = sys.argv[1], sys.argv[2:]
    if mode == "log":
        path, first, name, parameter, original, minimum = arguments
        sys.exit(report(name, from_access_log(path, int(first), parameter), original, float(minimum)))
    path, name, place, parameter, original, minimum = arguments
    sys.exit(report(name, from_har(path, place, parameter), original, float(minimum)))
