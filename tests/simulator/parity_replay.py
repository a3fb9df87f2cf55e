"""Replays real Shopify captures against the simulator and compares the answers.

A capture file holds real requests and Shopify's responses. The data files in ``parity/`` say,
for every capture, either how to replay it (steps in order) or why it is out of scope. Ids the
simulator hands out replace the captured ones as the replay goes, so a later step that used a
captured id gets the simulator's.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson

PARITY_DIR = Path(__file__).parent / "parity"
GID = re.compile(r"gid://shopify/[A-Za-z]+/\d+")
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def pointer(document: Any, path: str) -> Any:
    """Resolve a JSON pointer (RFC 6901) inside ``document``."""
    if path in ("", "/"):
        return document
    current = document
    for raw in path.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        current = current[int(part)] if isinstance(current, list) else current[part]
    return current


@dataclass
class Capture:
    file: str
    status: str
    reason: str = ""
    steps: list[dict[str, Any]] = field(default_factory=list)
    shop: dict[str, Any] = field(default_factory=dict)


def load_entries() -> list[Capture]:
    entries: list[Capture] = []
    for data_file in sorted(PARITY_DIR.glob("*.toml")):
        for raw in tomllib.loads(data_file.read_text())["capture"]:
            entries.append(Capture(**raw))
    return entries


@dataclass
class Replay:
    """State of one capture's replay: the HTTP client and the id map built so far."""

    client: httpx.Client
    graphql_url: str
    control_url: str
    capture: Any
    ids: dict[str, str] = field(default_factory=dict)

    def substitute(self, value: Any) -> Any:
        if isinstance(value, str):
            return GID.sub(lambda m: self.ids.get(m.group(0), m.group(0)), value)
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        return value

    def learn(self, expected: Any, actual: Any) -> None:
        """Map captured ids to the simulator's, walking both answers side by side."""
        if isinstance(expected, str) and isinstance(actual, str):
            if GID.fullmatch(expected.split("?")[0]) and actual.startswith("gid://"):
                self.ids.setdefault(expected.split("?")[0], actual.split("?")[0])
                self.ids.setdefault(expected, actual)
        elif isinstance(expected, dict) and isinstance(actual, dict):
            for key, value in expected.items():
                if key in actual:
                    self.learn(value, actual[key])
        elif isinstance(expected, list) and isinstance(actual, list):
            for left, right in zip(expected, actual, strict=False):
                self.learn(left, right)

    def document(self, ref: str) -> str:
        if ref.startswith("@"):
            return (PARITY_DIR / "documents" / f"{ref[1:]}.graphql").read_text()
        text = pointer(self.capture, ref)
        assert isinstance(text, str)
        return text

    def run_step(self, step: dict[str, Any]) -> list[str]:
        if "control" in step:
            return self._control(step)
        query = self.document(step["query"])
        variables = step.get("variables_inline")
        if variables is None and "variables" in step:
            variables = pointer(self.capture, step["variables"])
        expected = pointer(self.capture, step["expect"])
        if isinstance(expected, dict) and "body" in expected and "data" not in expected:
            expected = expected["body"]
        if isinstance(expected, dict) and "data" in expected:
            # Read captures keep their variables beside the answer ("proxyVariables").
            expected = {k: v for k, v in expected.items() if k in ("data", "errors", "extensions")}
        body = {"query": query, "variables": self.substitute(variables or {})}
        url = self.graphql_url
        if "version" in step:  # replay at the API version the capture was recorded with
            url = re.sub(r"/api/[^/]+/", f"/api/{step['version']}/", url)
        response = self.client.post(url, content=orjson.dumps(body))
        assert response.status_code == 200, response.text
        actual = response.json()
        self.learn(expected, actual)
        return compare(
            self.substitute(expected),
            actual,
            mode=step.get("compare", "shape"),
            ignore=step.get("ignore", []),
        )

    def _control(self, step: dict[str, Any]) -> list[str]:
        method, _, path = step["control"].partition(" ")
        body = self.substitute(step.get("body", {}))
        response = self.client.request(method, self.control_url + path, json=body)
        if response.status_code >= 300:
            return [f"control {step['control']} -> {response.status_code} {response.text}"]
        answer = response.json()
        for captured_ptr, answer_ptr in step.get("bind", {}).items():
            captured = pointer(self.capture, captured_ptr)
            self.ids[captured] = pointer(answer, answer_ptr)
        return []


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return type(value).__name__


def _volatile(value: Any) -> bool:
    return isinstance(value, str) and bool(
        value.startswith("gid://") or TIMESTAMP.match(value) or value.startswith("eyJ")
    )


def compare(expected: Any, actual: Any, mode: str, ignore: list[str], path: str = "") -> list[str]:
    """Differences between Shopify's answer and ours, as readable lines."""
    if path in ignore:
        return []
    diffs: list[str] = []
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path or '/'}: expected object, got {_kind(actual)}"]
        if path == "" and "errors" in expected:
            diffs += _compare_errors(expected["errors"], actual.get("errors"))
        for key in sorted(set(expected) | set(actual)):
            if path == "" and key in ("errors", "extensions"):
                continue
            sub = f"{path}/{key}"
            if key not in actual:
                diffs.append(f"{sub}: missing")
            elif key not in expected:
                diffs.append(f"{sub}: unexpected")
            elif key == "userErrors":
                diffs += _compare_user_errors(expected[key], actual[key], sub)
            else:
                diffs += compare(expected[key], actual[key], mode, ignore, sub)
        return diffs
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{path}: expected list, got {_kind(actual)}"]
        if len(expected) != len(actual):
            return [f"{path}: expected {len(expected)} items, got {len(actual)}"]
        for index, (left, right) in enumerate(zip(expected, actual, strict=True)):
            diffs += compare(left, right, mode, ignore, f"{path}/{index}")
        return diffs
    if _kind(expected) != _kind(actual):
        return [f"{path}: expected {_kind(expected)} {expected!r}, got {actual!r}"]
    if mode == "values" and not _volatile(expected) and expected != actual:
        return [f"{path}: expected {expected!r}, got {actual!r}"]
    return []


def _compare_user_errors(expected: Any, actual: Any, path: str) -> list[str]:
    def normal(errors: Any) -> list[tuple[Any, ...]]:
        return [
            (tuple(e.get("field") or []), e.get("message"), e.get("code")) for e in (errors or [])
        ]

    left, right = normal(expected), normal(actual)
    if not all("code" in e for e in expected or []):
        right = [(f, m, None) for f, m, _ in right]
        left = [(f, m, None) for f, m, _ in left]
    return [] if left == right else [f"{path}: expected {left}, got {right}"]


def _compare_errors(expected: Any, actual: Any) -> list[str]:
    def normal(errors: Any) -> list[tuple[Any, Any]]:
        return [(e.get("message"), (e.get("extensions") or {}).get("code")) for e in errors or []]

    left, right = normal(expected), normal(actual)
    return [] if left == right else [f"/errors: expected {left}, got {right}"]
