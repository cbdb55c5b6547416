"""Catalog loading: the bundled TOML files, plugin entries, then the user catalog directory over them.

A bad entry is reported (file, entry, field) and skipped: the rest of the catalog still loads.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from advisor.catalog import aliases, parse_cache
from advisor.catalog.quality import build_modes, build_quantization
from advisor.catalog.schema import PROFILE_KEYS, _build, _check_gpu, build_engine_profiles, build_entry
from advisor.common import tomlio
from advisor.domain.prices import ApiPrice, GpuPrice, price_key
from advisor.domain.quality import ModeQuality, QuantizationDelta
from advisor.domain.serving import ENGINE_IDS, ServingProfile
from advisor.domain.specs import GpuSpec, ModelSpec, QualityScore
from advisor.errors import CatalogError, UnknownIdError

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class CatalogProblem:
    """A catalog entry (or file) that was skipped, and why."""

    file: str
    message: str

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Catalog:
    """Everything the advisor knows: models, GPUs, quality scores and bundled prices."""

    models: dict[str, ModelSpec]
    gpus: dict[str, GpuSpec]
    quality: dict[str, QualityScore]
    gpu_prices: tuple[GpuPrice, ...]
    api_prices: tuple[ApiPrice, ...]
    engine: ServingProfile
    """The default serving profile: fitted efficiency factors and memory policy (catalogs/engine.toml); its
    ``id`` is the catalog's default engine (``engine = "trtllm"``, switched by a user ``engine = "vllm"``)."""
    versions: dict[str, str]
    """catalog file name -> its ``as_of``/version stamp (for reports)."""
    problems: tuple[CatalogProblem, ...] = field(default=())
    user_prices: tuple[GpuPrice | ApiPrice, ...] = field(default=())
    engines: dict[str, ServingProfile] = field(default_factory=dict)
    """Every serving engine profile by id (``trtllm``, ``vllm``, ``sglang``): advisor.physics.engines."""
    quality_modes: dict[str, dict[str, ModeQuality]] = field(default_factory=dict)
    """model id -> mode (``reasoning``, ``non-reasoning``) -> its score and output-token multiplier."""
    quantization: tuple[QuantizationDelta, ...] = field(default=())
    """Published quality deltas of quantized checkpoints (catalogs/quantization.toml)."""
    """Prices read from the user catalog directory (or extra files), not the bundled snapshot. The
    plugin price book merges them over the plugins' prices (same key replaces)."""
    origins: dict[str, str] = field(default_factory=dict)
    """model id -> the user catalog file or plugin that defined it (bundled models are not listed)."""

    def model(self, model_id: str) -> ModelSpec:
        return self.named_model(model_id)[0]

    def named_model(self, name: str, architecture: bool = False) -> tuple[ModelSpec, str]:
        """(the model, the weight precision the name implies or "") for an id, its repo or a published checkpoint
        (``aliases.resolve``); with ``architecture`` also a release with its shapes but other weights (sizing only)."""
        if name in self.models:
            return self.models[name], ""
        found = aliases.resolve(name, self.models, architecture)
        if found is None:
            raise self._unknown("model", name, self.models) from None
        return self.models[found[0]], found[1]

    def gpu(self, gpu_id: str) -> GpuSpec:
        try:
            return self.gpus[gpu_id]
        except KeyError:
            found = _spelled(gpu_id, self.gpus, GPU_ALIASES)
            if found is None:
                raise self._unknown("gpu", gpu_id, self.gpus) from None
            return self.gpus[found]

    def _unknown(self, kind: str, given: str, known: dict) -> UnknownIdError:
        """The unknown-id error; when a user catalog defines ``given`` but its entry was left out, it says why."""
        err = UnknownIdError(kind, given, sorted(known))
        why = next((p.message for p in self.problems if f"entry '{given}'" in p.message), "")
        if why:
            err.args = (f"{err} A user catalog defines '{given}', but the entry was left out: {why}",)
        return err


GPU_ALIASES = {"h100": "h100-sxm", "h100sxm5": "h100-sxm", "h100sxm80gb": "h100-sxm", "h200sxm": "h200", "h200141gb": "h200",
               "b200sxm": "b200", "a100": "a100-80gb", "a100sxm": "a100-80gb", "a10080gbsxm": "a100-80gb",
               "rtxpro6000blackwell": "rtx-pro-6000", "4090": "rtx-4090", "5090": "rtx-5090"}
"""Other spellings of GPU ids, keyed by their letters and digits only. A bare "H100" is the SXM board (NVIDIA's
own benchmark tables and most clouds' "H100" mean the 80 GB SXM5); a bare "A100" the 80 GB SXM4."""


def _spelled(name: str, ids, other: dict[str, str]) -> str | None:
    """The catalog id a caller meant by ``name`` when it is not an id as written: the same letters and digits in
    another case or punctuation ("H200", "h100_sxm"), or a name in ``other`` (keyed the same way); None when nothing
    matches (the caller then raises the usual unknown-id error with its suggestions)."""
    if not isinstance(name, str) or not aliases.key(name):
        return None
    by_key = {aliases.key(i): i for i in ids}
    found = by_key.get(aliases.key(name)) or other.get(aliases.key(name))
    return found if found in ids else None


def _version_stamp(sha256: str, data: dict) -> str:
    """A catalog file's version for reports: its declared as_of/version (if any) and a content hash, so a
    report diff sees any edit."""
    declared = str(data.get("as_of", data.get("version", ""))).strip()[:64]
    digest = sha256[:12]
    return f"{declared} sha256:{digest}" if declared else f"sha256:{digest}"


def _read_toml(path: Path, label: str, raw: bytes | None = None) -> tuple[str, dict]:
    """(SHA-256 of the bytes, parsed table) through the one bounded reader (``advisor.common.tomlio``); a file
    parsed before is taken from ``parse_cache``. ``raw``: the bytes, already read."""
    try:
        raw = tomlio.read_bytes(path, label) if raw is None else raw
        key = parse_cache.digest(raw)
        data = parse_cache.get(key)
        if data is None:
            data = tomlio.loads(tomlio.decode(raw, label), label)
            parse_cache.put(key, data)
        return key, data
    except tomlio.TomlFileError as exc:
        raise CatalogError(label, exc.reason) from None


_KINDS = ("models", "gpus", "quality", "gpu_prices", "api_prices", "engine", "quantization")
_TOP_KEYS = {"models": ("models",), "gpus": ("gpus",), "quality": ("quality", "modes"), "quantization": ("quantization",),
             "gpu_prices": ("provider", "prices"), "api_prices": ("provider", "prices"), "engine": PROFILE_KEYS}
"""The top-level keys each kind of catalog file reads, besides ``catalog``, ``schema_version``, ``as_of`` and ``version``."""


class _Loader:
    def __init__(self) -> None:
        self.models: dict[str, ModelSpec] = {}
        self.gpus: dict[str, GpuSpec] = {}
        self.quality: dict[str, QualityScore] = {}
        self.quality_modes: dict[str, dict[str, ModeQuality]] = {}
        self.quantization: dict[str, QuantizationDelta] = {}
        self.gpu_prices: dict[tuple, GpuPrice] = {}
        self.api_prices: dict[tuple, ApiPrice] = {}
        self.engine: dict[str, Any] = {}
        self.engine_bundled: dict[str, Any] = {}
        self.engine_label = ""
        self.versions: dict[str, str] = {}
        self.problems: list[CatalogProblem] = []
        self.user_price_keys: set[tuple] = set()
        self._user_origin: dict[tuple[str, str], str] = {}
        self._bundled = True

    def _entries(self, data: dict, key: str, label: str, builder: Callable[[str, Any], Any]) -> None:
        table = data.get(key, {})
        if not isinstance(table, dict):
            self.problems.append(CatalogProblem(label, str(CatalogError(label, f"'{key}' must be a table of entries"))))
            return
        for entry_id, raw in table.items():
            try:
                builder(entry_id, raw)
            except CatalogError as exc:
                self.problems.append(CatalogProblem(label, str(exc)))
                continue
            except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:  # a value no check foresaw
                self.problems.append(CatalogProblem(label, str(CatalogError(label, f"unusable value ({type(exc).__name__})",
                                                                            entry=str(entry_id)))))
                continue
            self._note_duplicate(key, str(entry_id), label)

    def _note_duplicate(self, kind: str, entry_id: str, label: str) -> None:
        """A user file redefining an id another user file defined: the later file wins, and says so."""
        if self._bundled:
            return
        prev = self._user_origin.get((kind, entry_id))
        self._user_origin[(kind, entry_id)] = label
        if prev is not None and prev != label:
            self.problems.append(CatalogProblem(label, f"{label}: entry '{entry_id}' is also defined in {prev}; "
                                                       f"the one in {label} is used"))

    def _price_rows(self, data: dict, label: str, builder: Callable[[int, Any, str], tuple]) -> None:
        rows = data.get("prices", [])
        provider = data.get("provider")
        if not isinstance(provider, str) or not provider.strip():
            self.problems.append(CatalogProblem(label, str(CatalogError(label, "missing required field", field="provider"))))
            return
        if not isinstance(rows, list):
            self.problems.append(CatalogProblem(label, str(CatalogError(label, "'prices' must be an array of tables"))))
            return
        seen: dict[tuple, int] = {}  # a row's key -> its index: a repeated key within the file is named, the later row used
        for i, raw in enumerate(rows):
            try:
                key = builder(i, raw, provider)
                if key in seen:
                    what = "model" if key[0] == "api" else "GPU, pricing, region and SKU"
                    self.problems.append(CatalogProblem(label, f"{label}: prices[{i}] has the same provider, {what} as "
                                                               f"prices[{seen[key]}]; the later row, prices[{i}], is used"))
                seen[key] = i
            except CatalogError as exc:
                self.problems.append(CatalogProblem(label, str(exc)))
            except (ValueError, TypeError, ArithmeticError, RecursionError) as exc:  # a value no check foresaw
                self.problems.append(CatalogProblem(label, str(CatalogError(label, f"unusable value ({type(exc).__name__})",
                                                                            entry=f"prices[{i}]"))))

    def load_file(self, path: Path, label: str, raw: bytes | None = None) -> None:
        try:
            sha, data = _read_toml(path, label, raw)
            kind = data.get("catalog")
            if kind not in _KINDS:
                raise CatalogError(label, f"'catalog' must be one of {', '.join(_KINDS)}, got {kind!r}", field="catalog")
            version = data.get("schema_version")
            if version != SCHEMA_VERSION:
                raise CatalogError(label, f"unsupported schema_version {version!r} (this version reads {SCHEMA_VERSION})", field="schema_version")
        except CatalogError as exc:
            self.problems.append(CatalogProblem(label, str(exc)))
            return
        self.versions[label] = _version_stamp(sha, data)
        self._note_unknown_keys(data, kind, label)

        if kind == "models":
            def build_model(mid: str, raw: Any) -> None:
                self.models[mid] = build_entry("models", mid, raw, label)
            self._entries(data, "models", label, build_model)
        elif kind == "gpus":
            def build_gpu(gid: str, raw: Any) -> None:
                g = _build(GpuSpec, raw, label, gid, {"id": gid})
                _check_gpu(g, label)
                self.gpus[gid] = g
            self._entries(data, "gpus", label, build_gpu)
        elif kind == "quality":
            def build_q(mid: str, raw: Any) -> None:
                self.quality[mid] = _build(QualityScore, raw, label, mid, {"model": mid})
            self._entries(data, "quality", label, build_q)
            if "modes" in data:
                modes, problems = build_modes(data["modes"], label)
                for mid, by_mode in modes.items():
                    self.quality_modes[mid] = {**self.quality_modes.get(mid, {}), **by_mode}
                self.problems.extend(CatalogProblem(label, p) for p in problems)
        elif kind == "quantization":
            def build_qd(qid: str, raw: Any) -> None:
                self.quantization[qid] = build_quantization(qid, raw, label)
            self._entries(data, "quantization", label, build_qd)
        elif kind == "gpu_prices":
            def build_gp(i: int, raw: Any, provider: str) -> tuple:
                entry = raw.get("gpu", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
                p = _build(GpuPrice, raw, label, f"prices[{i}] ({entry})", {"provider": provider})
                self._check_price_amounts(p, label, f"prices[{i}] ({entry})")
                self.gpu_prices[key := price_key(p)] = p
                self._track(key)
                return key
            self._price_rows(data, label, build_gp)
        elif kind == "api_prices":
            def build_ap(i: int, raw: Any, provider: str) -> tuple:
                entry = raw.get("model", f"#{i + 1}") if isinstance(raw, dict) else f"#{i + 1}"
                p = _build(ApiPrice, raw, label, f"prices[{i}] ({entry})", {"provider": provider})
                self._check_price_amounts(p, label, f"prices[{i}] ({entry})")
                self.api_prices[key := price_key(p)] = p
                self._track(key)
                return key
            self._price_rows(data, label, build_ap)
        elif kind == "engine":
            # A later file overrides single keys, table by table (a user's [factors] eff_bw = 0.6 keeps the
            # other factors).
            skip = {"catalog", "schema_version"}
            if not self._bundled and "engine" in data and data["engine"] not in ENGINE_IDS:
                skip.add("engine")
                self.problems.append(CatalogProblem(label, str(CatalogError(
                    label, f"must be an engine id ({', '.join(ENGINE_IDS)}), got {data['engine']!r}; the default engine "
                           "is unchanged", field="engine"))))
            merged = _deep_merge(self.engine, {k: v for k, v in data.items() if k not in skip})
            self.engine = merged
            if self._bundled:
                self.engine_bundled = merged
            self.engine_label = label

    def _note_unknown_keys(self, data: dict, kind: str, label: str) -> None:
        """A top-level key this kind of file does not read (a typo such as ``[[price]]`` or ``[gpu.x]``, another
        kind's table under a wrong ``catalog`` header, ``bogus = 1``) is named, not silently ignored."""
        import difflib

        allowed = ("catalog", "schema_version", "as_of", "version") + _TOP_KEYS[kind]
        for key in data:
            if key in allowed:
                continue
            other = next((k for k, keys in _TOP_KEYS.items() if key in keys and k != "engine"), None)
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = (f"it belongs in a catalog = \"{other}\" file; this one says catalog = \"{kind}\"" if other
                    else f"did you mean '{close[0]}'?" if close else f"a catalog = \"{kind}\" file reads {', '.join(_TOP_KEYS[kind])}")
            self.problems.append(CatalogProblem(label, f"{label}: unknown top-level key '{key}', ignored ({hint})"))

    def _check_price_amounts(self, p: GpuPrice | ApiPrice, label: str, entry: str) -> None:
        """A zero GPU-hour, input or output price is refused here as a live refresh refuses one
        (``advisor.prices.refresh.sanity_check``): a $0 row would rank first for free."""
        names = ("usd_per_gpu_hour",) if isinstance(p, GpuPrice) else ("input_usd_per_mtok", "output_usd_per_mtok")
        for name in names:
            if getattr(p, name, None) == 0:
                raise CatalogError(label, "is 0: a zero price is refused (as a live refresh refuses one); delete the row "
                                          "or give the real price", entry=entry, field=name)

    def _track(self, key: tuple) -> None:
        if self._bundled:
            self.user_price_keys.discard(key)
        else:
            self.user_price_keys.add(key)

    def add_entry(self, kind: str, entry_id: str, raw: Any, label: str) -> None:
        """One entry contributed by a plugin (``kind`` is ``models``, ``gpus`` or ``quality``)."""
        try:
            obj = build_entry(kind, entry_id, raw, label)
        except CatalogError as exc:
            self.problems.append(CatalogProblem(label, str(exc)))
            return
        {"models": self.models, "gpus": self.gpus, "quality": self.quality}[kind][entry_id] = obj
        self._user_origin[(kind, entry_id)] = label

    def _profile(self) -> tuple[ServingProfile, dict[str, ServingProfile]]:
        """The merged engine catalog as (default profile, profiles by engine id); a bad user override is
        reported and the bundled profiles used instead."""
        try:
            return build_engine_profiles(self.engine, self.engine_label or "catalogs/engine.toml")
        except (CatalogError, ValueError, TypeError, ArithmeticError, RecursionError) as exc:
            if self.engine is self.engine_bundled:
                raise
            if not isinstance(exc, CatalogError):
                exc = CatalogError(self.engine_label, f"unusable value ({type(exc).__name__})")
            self.problems.append(CatalogProblem(self.engine_label, f"{exc} (the bundled engine profile is used)"))
            return build_engine_profiles(self.engine_bundled, "catalogs/engine.toml")

    def finish(self) -> Catalog:
        # Drop prices and scores that point at ids nobody defined (reported, not fatal).
        gpu_prices = []
        for p in self.gpu_prices.values():
            if p.gpu in self.gpus:
                gpu_prices.append(p)
            else:
                self.problems.append(CatalogProblem(p.provider, f"price from {p.provider}: unknown gpu '{p.gpu}' (skipped)"))
        api_prices = []
        for p in self.api_prices.values():
            if p.model in self.models:
                api_prices.append(p)
            else:
                self.problems.append(CatalogProblem(p.provider, f"price from {p.provider}: unknown model '{p.model}' (skipped)"))
        for gpu_id in self.engine.get("per_gpu", {}) if isinstance(self.engine.get("per_gpu"), dict) else ():
            if gpu_id not in self.gpus:
                self.problems.append(CatalogProblem(self.engine_label, f"{self.engine_label}: [per_gpu.{gpu_id}] names no known GPU "
                                                                       "(ignored; `moe-advisor list gpus` lists them)"))
        for g in self.gpus.values():
            if g.calibrated_as and g.calibrated_as not in self.gpus:
                self.problems.append(CatalogProblem("gpus.toml", f"gpu {g.id}: calibrated_as '{g.calibrated_as}' names no known GPU (ignored)"))
        default_profile, engines = self._profile()
        return Catalog(
            models=dict(sorted(self.models.items())),
            gpus=dict(self.gpus),
            quality=dict(self.quality),
            gpu_prices=tuple(gpu_prices),
            api_prices=tuple(api_prices),
            engine=default_profile,
            engines=engines,
            quality_modes={m: v for m, v in self.quality_modes.items() if m in self.models},
            quantization=tuple(self.quantization.values()),
            versions=self.versions,
            problems=tuple(self.problems),
            user_prices=tuple(p for p in gpu_prices + api_prices if price_key(p) in self.user_price_keys),
            origins={i: where for (k, i), where in self._user_origin.items() if k == "models" and i in self.models},
        )


def _toml_files(directory: Path) -> list[Path]:
    if not directory.is_dir():
        return []
    # measurements.toml holds the team's throughput corrections (advisor.measure.store), not catalog entries
    return sorted(p for p in directory.rglob("*.toml") if p.is_file() and p.name != "measurements.toml")


def load_catalog(bundled: Path | None = None, user: Path | None = None, extra_files: tuple[Path, ...] = (),
                 extra_entries: Iterable[tuple[str, str, dict, str]] = ()) -> Catalog:
    """Load the bundled catalogs, then ``extra_entries`` (``(kind, id, fields, label)``, from plugins),
    then the user catalog directory over them."""
    from advisor.common import paths

    bundled = bundled if bundled is not None else paths.bundled_catalog_dir()
    user = user if user is not None else paths.user_catalog_dir()
    extra_entries = tuple(extra_entries)
    files = [(p, f"catalogs/{p.relative_to(bundled)}") for p in _toml_files(bundled)]
    n_bundled = len(files)
    files += [(p, str(p)) for p in list(_toml_files(user)) + list(extra_files)]
    raws = _read_all(files)
    key = _inputs_key(files, raws, extra_entries) if raws is not None else None
    if key is not None:
        from advisor.common import memo_store

        catalog = memo_store.get("catalog", (key,), lambda: _load(files, n_bundled, raws, extra_entries))
        _INPUTS[id(catalog)] = (catalog, key)  # the entry holds the catalog, so its id is not re-used while it lives
        while len(_INPUTS) > 4:
            del _INPUTS[next(iter(_INPUTS))]
        return catalog
    return _load(files, n_bundled, [None] * len(files), extra_entries)


_INPUTS: dict[int, tuple[Catalog, str]] = {}


def inputs_key(catalog: Catalog) -> str | None:
    """The digest of the files, plugin entries and day ``catalog`` was loaded from (``_inputs_key``), for a catalog
    this process's ``load_catalog`` returned; None for any other (one built or changed by a caller)."""
    found = _INPUTS.get(id(catalog))
    return found[1] if found is not None and found[0] is catalog else None


def _load(files: list[tuple[Path, str]], n_bundled: int, raws, extra_entries) -> Catalog:
    loader = _Loader()
    for (path, label), raw in zip(files[:n_bundled], raws):
        loader.load_file(path, label, raw)
    for kind, entry_id, fields_, label in extra_entries:
        loader.add_entry(kind, entry_id, fields_, label)
    loader._bundled = False
    for (path, label), raw in zip(files[n_bundled:], raws[n_bundled:]):
        loader.load_file(path, label, raw)
    catalog = loader.finish()
    parse_cache.save()
    return catalog


def _read_all(files: list[tuple[Path, str]]) -> list[bytes] | None:
    """Every file's bytes through the bounded reader, or None when one cannot be read (then the load reports it
    file by file, uncached)."""
    try:
        return [tomlio.read_bytes(path, label) for path, label in files]
    except tomlio.TomlFileError:
        return None


def _inputs_key(files: list[tuple[Path, str]], raws: list[bytes], extra_entries: tuple) -> str | None:
    """A digest of everything a loaded catalog depends on: each file's label and bytes, the plugins' entries and
    today's date (an ``as_of`` in the future is refused until its day). None when an entry has no stable
    ``repr`` (never cached)."""
    import datetime

    h = hashlib.sha256(datetime.date.today().isoformat().encode())
    for (_path, label), raw in zip(files, raws):
        h.update(f"\0{label}\0{len(raw)}\0".encode())
        h.update(raw)
    try:
        text = repr(extra_entries)
    except Exception:  # noqa: BLE001 - a plugin's odd value: load uncached
        return None
    if " at 0x" in text:  # an object without a value repr: it would never match again
        return None
    h.update(text.encode())
    return h.hexdigest()


def read_price_file(path: Path, label: str | None = None) -> tuple[list[GpuPrice | ApiPrice], list[CatalogProblem]]:
    """Read one ``prices/gpu_*.toml`` or ``api_*.toml`` file through the catalog validator: its valid
    rows, and one problem per bad row (or for the whole file). Ids are not checked against a catalog."""
    label = label or str(path)
    try:
        raw = tomlio.read_bytes(path, label)
    except tomlio.TomlFileError:
        return _read_price_file(path, label, None)  # the loader reports it
    import datetime

    from advisor.common import memo_store

    # The validated rows are kept between processes (a start reads ~20 bundled price files), keyed by the bytes and
    # the day (an as_of in the future is refused until its day).
    key = (parse_cache.digest(raw), label, datetime.date.today().isoformat())
    return memo_store.get("price-file", key, lambda: _read_price_file(path, label, raw))


def _read_price_file(path: Path, label: str, raw: bytes | None) -> tuple[list[GpuPrice | ApiPrice], list[CatalogProblem]]:
    loader = _Loader()
    loader.load_file(path, label, raw)
    rows: list[GpuPrice | ApiPrice] = [*loader.gpu_prices.values(), *loader.api_prices.values()]
    problems = list(loader.problems)
    if not problems and (loader.models or loader.gpus or loader.quality or loader.engine):
        problems.append(CatalogProblem(label, str(CatalogError(label, "not a price file (catalog must be gpu_prices or api_prices)"))))
        rows = []
    return rows, problems


def _deep_merge(base: dict, over: dict) -> dict:
    """``over`` merged into ``base`` table by table, at any depth (a user's ``[engines.vllm.factors]
    engine_speed`` keeps the engine's other fields)."""
    out = dict(base)
    for k, v in over.items():
        out[k] = _deep_merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out
