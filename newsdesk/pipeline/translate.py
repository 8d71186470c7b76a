"""Machine translation of article texts: no provider, a LibreTranslate server, or Argos Translate.

A provider turns a list of texts in one language into the same number of texts in another and
says which model did it, so a translation can be stored with its provenance. The default is
`NoTranslation`: an operator opts in by running a LibreTranslate server (self-hosted, often on
the same machine) or by installing Argos Translate and its language packages. Long texts are
cut at paragraphs (then sentences, then words) so that no request exceeds a server's character
limit, and put back together with their original whitespace.
"""

from __future__ import annotations

import importlib
import json
import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit, urlunsplit

import httpx

from newsdesk.pipeline.fetch import certificate_error, parse_retry_after

logger = logging.getLogger(__name__)

# LibreTranslate's own default is no limit, but public and shared servers set LT_CHAR_LIMIT
# (5,000 is common); a request over it is refused with 400, so we stay under it.
MAX_CHARS = 5000
# LT_BATCH_LIMIT caps how many texts one request may carry (unlimited by default, 32 in
# common deployments): a batch over it is refused with 400 like a long text.
MAX_TEXTS = 32
# Further attempts after a timeout, a connection error, 429 or 5xx.
RETRIES = 2
# Attempt N waits a random time up to BACKOFF * 2**(N-1) seconds (full jitter), at most
# MAX_BACKOFF: workers that failed together do not come back together.
BACKOFF = 1.0
MAX_BACKOFF = 30.0
# A Retry-After longer than this is not slept through: the error carries it to the caller,
# whose scheduler can come back later without holding a worker.
MAX_RETRY_AFTER = 30.0
# A translation of MAX_CHARS characters is a few KB of JSON; anything near this is broken.
MAX_RESPONSE_BYTES = 20 * 1024 * 1024
# How much of an error answer is read for its message.
ERROR_BODY_BYTES = 64 * 1024
# An error message quoted from a server is cut to this many characters.
MAX_MESSAGE_CHARS = 300
# The server version is asked once per provider; a slow /spec must not delay a translation.
SPEC_TIMEOUT = 5.0
MAX_SPEC_BYTES = 4 * 1024 * 1024
USER_AGENT = "newsdesk"

# ISO 639 codes as LibreTranslate and Argos name languages: "ru", "en", "zh-Hans", "pt-BR", "auto".
_LANGUAGE_CODE = re.compile(r"[a-z]{2,8}(?:-[A-Za-z0-9]{2,8})?")
# A line break and all the whitespace around it: what separates paragraphs.
_LINE_BREAK = re.compile(r"(\n\s*)")
# The whitespace after a sentence's final punctuation and closing quotes or brackets. The
# lookbehind keeps this linear on runs of punctuation.
_SENTENCE_GAP = re.compile(r"(?<=[.!?…])[»\"”’)\]]*(\s+)")
_WORD_GAP = re.compile(r"(\s+)")

ARGOS_MISSING = (
    "Argos Translate is not installed: install it with `pip install argostranslate`, then its "
    "language packages with `argospm update && argospm install translate-ru_en && "
    "argospm install translate-en_ru`"
)


class TranslationError(Exception):
    """Texts could not be translated; the message says why in one line.

    TRANSIENT is true when trying again later may work (a timeout, a refused connection, 429,
    5xx); RETRY_AFTER the seconds the server asked us to wait, when it said.
    """

    def __init__(
        self, message: str, *, transient: bool = False, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.transient = transient
        self.retry_after = retry_after


@dataclass(frozen=True, slots=True)
class Translation:
    """TEXTS translated from SOURCE to TARGET, one per input in order, and what translated them.

    MODEL is empty when no text needed a model (all blank, or SOURCE equal to TARGET).
    """

    texts: list[str]
    provider: str
    model: str
    source: str
    target: str


class Provider(Protocol):
    """Something that translates texts between languages."""

    name: str

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> Translation:
        """TEXTS in TARGET, in order; raises TranslationError."""
        ...

    def languages(self) -> set[tuple[str, str]]:
        """The (source, target) pairs this provider can translate; may raise TranslationError."""
        ...


class NoTranslation:
    """The default provider: translation is switched off."""

    name = "none"

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> Translation:
        """Always refuses: nothing is configured to translate."""
        raise TranslationError("translation is off")

    def languages(self) -> set[tuple[str, str]]:
        """No pairs at all."""
        return set()


class _Retry(Exception):
    """One attempt failed in a way that another attempt may not."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LibreTranslate:
    """A LibreTranslate server's HTTP API at URL (the operator's own, so private hosts are fine).

    API_KEY is sent when set and never appears in messages or logs. TIMEOUT bounds each request
    (connecting, waiting for the translation and reading it); RETRIES further attempts follow a
    timeout, a connection error, 429 or 5xx. One request carries at most MAX_CHARS characters
    in at most MAX_TEXTS texts. SLEEP waits between attempts (tests pass a recorder).
    """

    name = "libretranslate"

    def __init__(
        self,
        url: str,
        *,
        api_key: str = "",
        timeout: float = 30.0,
        retries: int = RETRIES,
        max_chars: int = MAX_CHARS,
        client: httpx.Client | None = None,
        max_texts: int = MAX_TEXTS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base, self.where, self._auth = _check_url(url)
        if timeout <= 0 or retries < 0 or max_chars < 1 or max_texts < 1:
            raise ValueError("timeout must be positive, retries >= 0, max_chars/max_texts >= 1")
        self._api_key = api_key
        self.timeout = timeout
        self.retries = retries
        self.max_chars = max_chars
        self.max_texts = max_texts
        self.sleep = sleep
        self._client = client
        self._own_client = client is None
        self._model: str | None = None

    def __repr__(self) -> str:
        return f"LibreTranslate({self.where!r})"

    def close(self) -> None:
        """Close the HTTP client if this provider made it."""
        if self._own_client and self._client is not None:
            self._client.close()
            self._client = None

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> Translation:
        """TEXTS in TARGET: cut to fit the server's limits, sent in batches, put back together."""
        items = _check_texts(texts)
        _check_language(source)
        _check_language(target)
        if source == target:
            return Translation(items, self.name, "", source, target)
        plans, pieces = plan_pieces(items, max_chars=self.max_chars)
        if not pieces:
            return Translation(items, self.name, "", source, target)
        translated: list[str] = []
        for start, end in batches(pieces, max_chars=self.max_chars, max_texts=self.max_texts):
            translated.extend(self._translate_batch(pieces[start:end], source, target))
        texts_out = [assemble(plan, translated) for plan in plans]
        return Translation(texts_out, self.name, self.model(), source, target)

    def languages(self) -> set[tuple[str, str]]:
        """The server's (source, target) pairs, from GET /languages."""
        answer = self._request("GET", "/languages", None, limit=MAX_RESPONSE_BYTES)
        return parse_languages(answer)

    def model(self) -> str:
        """libretranslate/VERSION when the server's /spec says, else libretranslate@HOST."""
        if self._model is None:
            version = self._server_version()
            self._model = f"libretranslate/{version}" if version else f"libretranslate@{self.where}"
        return self._model

    def _server_version(self) -> str:
        """The version the server's OpenAPI document states, or "" (it is a nicety, not a need)."""
        timeout = min(self.timeout, SPEC_TIMEOUT)
        try:
            answer = self._attempt("GET", "/spec", None, limit=MAX_SPEC_BYTES, timeout=timeout)
        except (TranslationError, _Retry) as exc:
            logger.info("LibreTranslate at %s: no version from /spec (%s)", self.where, exc)
            return ""
        info = answer.get("info") if isinstance(answer, dict) else None
        version = info.get("version") if isinstance(info, dict) else None
        if isinstance(version, str) and re.fullmatch(r"[0-9A-Za-z.+_-]{1,40}", version):
            return version
        # LibreTranslate says "?" when it cannot read its VERSION file.
        return ""

    def _translate_batch(self, batch: list[str], source: str, target: str) -> list[str]:
        """One POST /translate for BATCH; q is a string for one text, a list for several."""
        payload: dict[str, Any] = {
            "q": batch[0] if len(batch) == 1 else batch,
            "source": source,
            "target": target,
            "format": "text",
        }
        if self._api_key:
            payload["api_key"] = self._api_key
        answer = self._request("POST", "/translate", payload, limit=MAX_RESPONSE_BYTES)
        return parse_translated(answer, expected=len(batch), where=self.where)

    def _request(self, method: str, path: str, payload: Any, *, limit: int) -> Any:
        """The parsed JSON answer to one request, retrying what may pass."""
        attempt = 0
        while True:
            try:
                return self._attempt(method, path, payload, limit=limit, timeout=self.timeout)
            except _Retry as failure:
                attempt += 1
                wait = self._retry_wait(failure, attempt=attempt)
                logger.info(
                    "LibreTranslate at %s: %s; retry %d of %d in %.1f s",
                    self.where,
                    failure,
                    attempt,
                    self.retries,
                    wait,
                )
                self.sleep(wait)

    def _retry_wait(self, failure: _Retry, *, attempt: int) -> float:
        """How long to wait before attempt ATTEMPT, or the TranslationError that ends it."""
        retry_after = failure.retry_after
        if retry_after is not None and retry_after > MAX_RETRY_AFTER:
            raise TranslationError(
                f"{failure}: the server asks to wait {retry_after:g} s "
                f"(more than the {MAX_RETRY_AFTER:g} s we wait)",
                transient=True,
                retry_after=retry_after,
            )
        if attempt > self.retries:
            tries = "attempt" if attempt == 1 else "attempts"
            raise TranslationError(
                f"{failure} ({attempt} {tries})", transient=True, retry_after=retry_after
            )
        if retry_after is not None:
            return retry_after
        return random.uniform(0, min(MAX_BACKOFF, BACKOFF * 2 ** (attempt - 1)))  # noqa: S311

    def _attempt(self, method: str, path: str, payload: Any, *, limit: int, timeout: float) -> Any:
        """One request: the parsed JSON of a 2xx answer, or _Retry / TranslationError."""
        url = self.base + path
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            # Counting decoded bytes against the cap is only honest without compression.
            "Accept-Encoding": "identity",
        }
        content = None
        if payload is not None:
            headers["Content-Type"] = "application/json"
            # A lone surrogate (from a broken decoder upstream) becomes "?" rather than an error.
            content = json.dumps(payload, ensure_ascii=False).encode("utf-8", "replace")
        started = time.monotonic()
        try:
            with self.client.stream(
                method,
                url,
                content=content,
                headers=headers,
                timeout=httpx.Timeout(timeout),
                auth=self._auth or httpx.USE_CLIENT_DEFAULT,
            ) as response:
                status = response.status_code
                if 200 <= status < 300:
                    body = self._read(response, limit=limit, started=started, timeout=timeout)
                    return self._parse_json(body, path)
                error = self._read(
                    response, limit=ERROR_BODY_BYTES, started=started, timeout=timeout, cut=True
                )
                message = f"HTTP {status} from LibreTranslate at {self.where}{path}"
                reason = self._server_message(error)
                if reason:
                    message = f"{message}: {reason}"
                if status == 429 or status >= 500:
                    retry_after = parse_retry_after(response.headers.get("retry-after", ""))
                    raise _Retry(message, retry_after=retry_after)
                raise TranslationError(message)
        except httpx.TimeoutException as exc:
            raise _Retry(
                f"LibreTranslate at {self.where}{path} did not answer within {timeout:g} s"
            ) from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            message = f"cannot reach LibreTranslate at {self.where}{path}: {_reason(exc)}"
            if certificate_error(exc):
                # The same certificate will be wrong on the next attempt too.
                raise TranslationError(message) from exc
            raise _Retry(message) from exc
        except httpx.HTTPError as exc:
            raise TranslationError(
                f"cannot talk to LibreTranslate at {self.where}{path}: {_reason(exc)}"
            ) from exc

    @property
    def client(self) -> httpx.Client:
        """The HTTP client: the caller's, or one of our own made on first use."""
        if self._client is None:
            # No proxy from the environment: the server is usually on this machine or network.
            self._client = httpx.Client(trust_env=False, follow_redirects=False)
        return self._client

    def _read(
        self,
        response: httpx.Response,
        *,
        limit: int,
        started: float,
        timeout: float,
        cut: bool = False,
    ) -> bytes:
        """At most LIMIT bytes of the body within the TIMEOUT; CUT keeps a prefix, else refuse."""
        declared = response.headers.get("content-length", "")
        if not cut and declared.isdigit() and int(declared) > limit:
            raise TranslationError(
                f"answer of {declared} bytes from LibreTranslate at {self.where} is over "
                f"the {limit}-byte cap"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            if size + len(chunk) > limit:
                if cut:
                    chunks.append(chunk[: limit - size])
                    break
                raise TranslationError(
                    f"answer from LibreTranslate at {self.where} is over the {limit}-byte cap"
                )
            size += len(chunk)
            chunks.append(chunk)
            # A server trickling bytes would otherwise never hit the per-read timeout.
            if time.monotonic() - started > timeout:
                raise _Retry(
                    f"LibreTranslate at {self.where} did not finish answering within {timeout:g} s"
                )
        return b"".join(chunks)

    def _parse_json(self, body: bytes, path: str) -> Any:
        """BODY as JSON, or a TranslationError naming what came back."""
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            # UnicodeDecodeError is a ValueError; RecursionError comes from "[[[[...".
            raise TranslationError(
                f"LibreTranslate at {self.where}{path} answered with something that is not "
                f"JSON ({len(body)} bytes)"
            ) from None

    def _server_message(self, body: bytes) -> str:
        """The server's {"error": ...} message (or the start of its text), without our key."""
        text = body.decode("utf-8", errors="replace")
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), str):
            text = parsed["error"]
        elif parsed is not None or text.lstrip().startswith("<"):
            # Some other JSON, or an HTML error page from a proxy: the status says enough.
            return ""
        return _redact(text, self._api_key)


def provider_named(
    name: str,
    *,
    url: str = "",
    api_key: str = "",
    timeout: float = 30.0,
    retries: int = RETRIES,
) -> Provider:
    """The provider a setting names: "none", "libretranslate" (needs URL) or "argos"."""
    chosen = name.strip().lower()
    if chosen == "none":
        return NoTranslation()
    if chosen == "libretranslate":
        if not url.strip():
            raise ValueError("the libretranslate provider needs the server's URL")
        return LibreTranslate(url, api_key=api_key, timeout=timeout, retries=retries)
    if chosen == "argos":
        return ArgosTranslate()
    raise ValueError(
        f"unknown translation provider {name!r}: use 'none', 'libretranslate' or 'argos'"
    )


class ArgosTranslate:
    """Argos Translate on this machine, offline: needs `argostranslate` and its language packages.

    The package is optional (large, with its own model downloads) and imported on first use.
    """

    name = "argos"

    def __init__(self) -> None:
        self._translate_module: Any = None

    def translate(self, texts: Sequence[str], *, source: str, target: str) -> Translation:
        """TEXTS in TARGET, a paragraph (or a slice of a very long one) at a time."""
        items = _check_texts(texts)
        _check_language(source)
        _check_language(target)
        if source == target:
            return Translation(items, self.name, "", source, target)
        plans, pieces = plan_pieces(items, max_chars=MAX_CHARS)
        if not pieces:
            return Translation(items, self.name, "", source, target)
        translator = self._translator(source, target)
        translated: list[str] = []
        for piece in pieces:
            try:
                result = translator.translate(piece)
            except Exception as exc:
                raise TranslationError(
                    f"Argos Translate failed on {source}→{target}: {_reason(exc)}"
                ) from exc
            if not isinstance(result, str):
                raise TranslationError(f"Argos Translate returned {type(result).__name__}")
            translated.append(result)
        texts_out = [assemble(plan, translated) for plan in plans]
        return Translation(texts_out, self.name, self._model(source, target), source, target)

    def languages(self) -> set[tuple[str, str]]:
        """The pairs the installed language packages translate, directly or through English."""
        pairs: set[tuple[str, str]] = set()
        for language in self._module().get_installed_languages():
            for translation in language.translations_from:
                pair = (str(translation.from_lang.code), str(translation.to_lang.code))
                if pair[0] != pair[1]:
                    pairs.add(pair)
        return pairs

    def _module(self) -> Any:
        """argostranslate.translate, imported on first use."""
        if self._translate_module is None:
            try:
                self._translate_module = importlib.import_module("argostranslate.translate")
            except ImportError as exc:
                raise TranslationError(ARGOS_MISSING) from exc
        return self._translate_module

    def _translator(self, source: str, target: str) -> Any:
        """The installed translation from SOURCE to TARGET, or how to install it."""
        installed = {str(lang.code): lang for lang in self._module().get_installed_languages()}
        translation = None
        if source in installed and target in installed:
            translation = installed[source].get_translation(installed[target])
        if translation is None:
            raise TranslationError(
                f"no Argos Translate package for {source}→{target} is installed: "
                f"run `argospm update && argospm install translate-{source}_{target}`"
            )
        return translation

    def _model(self, source: str, target: str) -> str:
        """The language package that did the work ("translate-ru_en 1.9"), as precisely as known."""
        try:
            package = importlib.import_module("argostranslate.package")
            for pkg in package.get_installed_packages():
                if (pkg.from_code, pkg.to_code) == (source, target):
                    return f"{package.argospm_package_name(pkg)} {pkg.package_version}".strip()
        except Exception as exc:
            logger.info("Argos Translate: cannot list installed packages (%s)", _reason(exc))
        # No direct package: Argos pivoted through another language.
        try:
            return f"argostranslate {metadata.version('argostranslate')}"
        except metadata.PackageNotFoundError:
            return "argostranslate"


# --- cutting texts to size and putting them back together ---------------------------------

# A text as it will be rebuilt: literal strings kept as they are, and the indexes of pieces
# whose translations go in their place.
Plan = list[str | int]


def plan_pieces(texts: Sequence[str], *, max_chars: int) -> tuple[list[Plan], list[str]]:
    """Each text's plan, and the pieces to translate (none longer than MAX_CHARS, none blank)."""
    pieces: list[str] = []
    plans: list[Plan] = []
    for text in texts:
        plan: Plan = []
        core = text.strip()
        if not core:
            plans.append([text])
            continue
        plan.append(text[: len(text) - len(text.lstrip())])
        for paragraph, gap in split_keeping_gaps(core, _LINE_BREAK):
            for piece, after in cut_to_size(paragraph, max_chars):
                if piece.strip():
                    plan.append(len(pieces))
                    pieces.append(piece)
                else:
                    # Never the case by construction; a blank text would be refused with 400.
                    plan.append(piece)
                plan.append(after)
            plan.append(gap)
        plan.append(text[len(text.rstrip()) :])
        plans.append([part for part in plan if part != ""])
    return plans, pieces


def assemble(plan: Plan, translated: Sequence[str]) -> str:
    """The text PLAN describes, with the translated pieces in place."""
    return "".join(part if isinstance(part, str) else translated[part] for part in plan)


def split_keeping_gaps(text: str, gap: re.Pattern[str]) -> list[tuple[str, str]]:
    """TEXT (no outer whitespace) cut at GAP's first group: (unit, the whitespace after it).

    Whitespace at the end of a unit moves into the gap after it. No unit is blank: each gap
    takes all the whitespace after it, and a sentence gap follows punctuation.
    """
    units: list[tuple[str, str]] = []
    start = 0
    for match in gap.finditer(text):
        unit = text[start : match.start(1)]
        stripped = unit.rstrip()
        units.append((stripped, unit[len(stripped) :] + match.group(1)))
        start = match.end(1)
    units.append((text[start:], ""))
    return units


def cut_to_size(text: str, limit: int) -> list[tuple[str, str]]:
    """TEXT (no outer whitespace) in pieces of at most LIMIT characters, each with the
    whitespace after it: cut between sentences where possible, else between words, else anywhere.
    """
    if len(text) <= limit:
        return [(text, "")]
    for gap in (_SENTENCE_GAP, _WORD_GAP):
        units = split_keeping_gaps(text, gap)
        if len(units) > 1:
            break
    else:
        # One unbroken run of characters (a URL, a table flattened to text): cut it anywhere.
        return [(text[i : i + limit], "") for i in range(0, len(text), limit)]
    small: list[tuple[str, str]] = []
    for unit, after in units:
        parts = cut_to_size(unit, limit)
        parts[-1] = (parts[-1][0], after)
        small.extend(parts)
    # Put neighbours back together while they fit, so that the translator sees whole passages.
    packed: list[tuple[str, str]] = []
    current: list[str] = []
    size = 0
    pending = ""
    for piece, after in small:
        if current and size + len(pending) + len(piece) <= limit:
            current += [pending, piece]
            size += len(pending) + len(piece)
        else:
            if current:
                packed.append(("".join(current), pending))
            current, size = [piece], len(piece)
        pending = after
    packed.append(("".join(current), pending))
    return packed


def batches(pieces: Sequence[str], *, max_chars: int, max_texts: int) -> list[tuple[int, int]]:
    """(start, end) ranges of PIECES in order, each of at most MAX_CHARS chars, MAX_TEXTS texts."""
    ranges: list[tuple[int, int]] = []
    start, size = 0, 0
    for index, piece in enumerate(pieces):
        if index > start and (size + len(piece) > max_chars or index - start >= max_texts):
            ranges.append((start, index))
            start, size = index, 0
        size += len(piece)
    if start < len(pieces):
        ranges.append((start, len(pieces)))
    return ranges


# --- reading answers ------------------------------------------------------------------------


def parse_translated(answer: Any, *, expected: int, where: str) -> list[str]:
    """The EXPECTED texts of a /translate answer, or a TranslationError saying what was wrong."""
    value = answer.get("translatedText") if isinstance(answer, dict) else None
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
        shape = type(value).__name__ if isinstance(answer, dict) else type(answer).__name__
        raise TranslationError(
            f"LibreTranslate at {where} answered without translatedText as text ({shape})"
        )
    if len(texts) != expected:
        raise TranslationError(
            f"LibreTranslate at {where} returned {len(texts)} texts for {expected}"
        )
    return texts


def parse_languages(answer: Any) -> set[tuple[str, str]]:
    """(source, target) pairs from a /languages answer.

    Servers before LibreTranslate 1.3 list no "targets": every language then pairs with every
    other, as those servers translated all pairs through English.
    """
    if not isinstance(answer, list):
        raise TranslationError(f"/languages answered {type(answer).__name__}, not a list")
    codes: list[str] = []
    targets: dict[str, list[str]] = {}
    for entry in answer:
        code = entry.get("code") if isinstance(entry, dict) else None
        if not isinstance(code, str) or not code:
            raise TranslationError("/languages answered an entry without a language code")
        codes.append(code)
        listed = entry.get("targets")
        if listed is None:
            continue
        if not isinstance(listed, list) or not all(isinstance(t, str) for t in listed):
            raise TranslationError(f"/languages answered malformed targets for {code!r}")
        targets[code] = listed
    pairs: set[tuple[str, str]] = set()
    for code in codes:
        for other in targets.get(code, codes if not targets else []):
            if other != code:
                pairs.add((code, other))
    return pairs


# --- checks -----------------------------------------------------------------------------------


def _check_url(url: str) -> tuple[str, str, httpx.BasicAuth | None]:
    """The base URL (no credentials, no trailing slash), host[:port][/path] to name it in
    messages, and the Basic credentials the URL carried (a proxy in front of the server), if any.

    Credentials go in a header instead of the URL so that they stay out of messages and logs.
    """
    if not isinstance(url, str):
        raise ValueError("the LibreTranslate URL must be a string")
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:
        raise ValueError(f"malformed LibreTranslate URL: {exc}") from None
    netloc = parts.netloc.rsplit("@", 1)[-1]
    shown = f"{parts.scheme}://{netloc}{parts.path}"
    if parts.scheme.lower() not in {"http", "https"}:
        raise ValueError(f"the LibreTranslate URL must be http:// or https://, not {shown!r}")
    if not parts.hostname:
        raise ValueError(f"the LibreTranslate URL has no host: {shown!r}")
    if parts.query or parts.fragment:
        raise ValueError(f"the LibreTranslate URL must not have a query or fragment: {shown!r}")
    base = urlunsplit((parts.scheme.lower(), netloc, parts.path.rstrip("/"), "", ""))
    try:
        _ = parts.port  # a port that is not a number in range
        httpx.URL(base + "/translate")
    except (ValueError, httpx.InvalidURL) as exc:
        raise ValueError(f"malformed LibreTranslate URL {shown!r}: {exc}") from None
    auth = None
    if parts.username is not None:
        auth = httpx.BasicAuth(unquote(parts.username), unquote(parts.password or ""))
    return base, netloc + parts.path.rstrip("/"), auth


def _check_texts(texts: Sequence[str]) -> list[str]:
    """TEXTS as a list, refusing a bare string (it would be translated a letter at a time)."""
    if isinstance(texts, str | bytes):
        raise TypeError("texts must be a sequence of strings, not a single string")
    items = list(texts)
    for item in items:
        if not isinstance(item, str):
            raise TypeError(f"texts must be strings, not {type(item).__name__}")
    return items


def _check_language(code: str) -> None:
    """Refuse what cannot be a language code (an empty setting, a name instead of a code)."""
    if not isinstance(code, str) or not _LANGUAGE_CODE.fullmatch(code):
        raise ValueError(f"not a language code: {code!r}")


def _redact(text: str, secret: str) -> str:
    """TEXT on one line, cut short, with SECRET (if any) replaced."""
    if secret:
        text = text.replace(secret, "***")
    text = " ".join(text.split())
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[: MAX_MESSAGE_CHARS - 1] + "…"
    return text


def _reason(exc: BaseException) -> str:
    """EXC in one short line."""
    return _redact(str(exc), "") or type(exc).__name__
