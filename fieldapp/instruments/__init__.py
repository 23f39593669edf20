"""Assessment instruments as data: one JSON file per instrument and version.

Shipped files live beside this module; a deployment adds its own (or its own level descriptions) in
`$FIELDAPP_INSTANCE/instruments/`, in the same format (README: Instruments). A file there with the
same id and version as a shipped one overrides its wording (names, labels, descriptions) but may
not change how it scores: domains, weights and scale must match, or it needs a new version.

Every file is checked with marshmallow when the app starts; a bad file stops the app with its path
and the reasons (InstrumentError), rather than being skipped quietly.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

PACKAGE_DIR = Path(__file__).resolve().parent
KINDS = ("ndt", "star")


class InstrumentError(Exception):
    """An instrument file is missing, malformed or inconsistent."""


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class ScaleSchema(_Strict):
    """The lowest and highest score of every domain."""

    min = fields.Integer(required=True, strict=True)
    max = fields.Integer(required=True, strict=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if data["min"] >= data["max"]:
            raise ValidationError("The scale's max must be above its min", "max")


class LevelSchema(_Strict):
    """A short, neutral label for one score (for example 0 "No concern")."""

    value = fields.Integer(required=True, strict=True)
    label = fields.String(required=True, validate=validate.Length(min=1, max=60))


class StageSchema(_Strict):
    """A band of scores with a name (the Journey of Change stages of a Star)."""

    min = fields.Integer(required=True, strict=True)
    max = fields.Integer(required=True, strict=True)
    label = fields.String(required=True, validate=validate.Length(min=1, max=60))


class DomainSchema(_Strict):
    """One domain (NDT) or area (Star): a key stored with each score, a label, a weight."""

    key = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z][a-z0-9_]{0,39}$", error="Use lower-case letters, digits and _ (at most 40)"))
    label = fields.String(required=True, validate=validate.Length(min=1, max=120))
    weight = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=1, max=10))
    # Optional descriptive text per score ("0": "...") that a deployment loads for its own use.
    descriptions = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)


class InstrumentSchema(_Strict):
    """The whole of one instrument file."""

    id = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9-]{0,59}$"))
    version = fields.String(required=True, validate=validate.Regexp(r"^[0-9]+(\.[0-9]+){0,3}$"))
    name = fields.String(required=True, validate=validate.Length(min=1, max=120))
    short_name = fields.String(required=True, validate=validate.Length(min=1, max=40))
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    period = fields.String(load_default=None, allow_none=True)
    higher_means = fields.String(load_default=None, allow_none=True)
    local_example = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    requires_licence = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    licence_notice = fields.String(load_default=None, allow_none=True)
    scale = fields.Nested(ScaleSchema, required=True)
    levels = fields.List(fields.Nested(LevelSchema), load_default=list)
    stages = fields.List(fields.Nested(StageSchema), load_default=list)
    domains = fields.List(fields.Nested(DomainSchema), required=True,
                          validate=validate.Length(min=1, max=30))

    @validates_schema
    def _consistent(self, data, **kwargs):
        """Keys unique; labels and stage bands cover the scale exactly; Stars need stages."""
        scale = data.get("scale")
        if not scale or "domains" not in data:
            return
        values = list(range(scale["min"], scale["max"] + 1))
        keys = [d["key"] for d in data["domains"]]
        if len(keys) != len(set(keys)):
            raise ValidationError("Each domain key must be used once", "domains")
        if data["levels"] and sorted(level["value"] for level in data["levels"]) != values:
            raise ValidationError("Give exactly one level label for each score of the scale", "levels")
        if data["kind"] == "ndt" and not data["levels"]:
            raise ValidationError("An NDT-type instrument needs a label for each level", "levels")
        if data["kind"] == "star":
            covered = sorted(v for s in data["stages"] for v in range(s["min"], s["max"] + 1))
            if covered != values:
                raise ValidationError("The stages must cover the scale once, without gaps", "stages")
        for domain in data["domains"]:
            for score in domain["descriptions"]:
                if not score.lstrip("-").isdigit() or int(score) not in values:
                    raise ValidationError(f"{domain['key']}: description for a score not on the scale",
                                          "domains")
        if data["requires_licence"] and not data["licence_notice"]:
            raise ValidationError("An instrument that requires a licence needs its notice",
                                  "licence_notice")


@dataclass(frozen=True, eq=False)
class Instrument:
    """One loaded instrument version. `key` ("ndt-1") names it in URLs and file names."""

    definition: dict
    source: str

    def __getattr__(self, name):
        try:
            return self.definition[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def key(self) -> str:
        return f"{self.definition['id']}-{self.definition['version']}"

    @property
    def min(self) -> int:
        return self.definition["scale"]["min"]

    @property
    def max(self) -> int:
        return self.definition["scale"]["max"]

    @property
    def domain_keys(self) -> list[str]:
        return [d["key"] for d in self.definition["domains"]]

    @property
    def word(self) -> str:
        """What one answer is called: a level (NDT) or a score (Star)."""
        return "level" if self.definition["kind"] == "ndt" else "score"

    def domain(self, key: str) -> dict | None:
        """The domain with this key, or None."""
        return next((d for d in self.definition["domains"] if d["key"] == key), None)

    def stage(self, score) -> str | None:
        """The stage band a score falls in (Stars), or None."""
        return next((s["label"] for s in self.definition["stages"]
                     if score is not None and s["min"] <= score <= s["max"]), None)


def _version_order(version: str):
    return tuple(int(part) for part in version.split("."))


class Catalog:
    """Every instrument a deployment has, by id and version."""

    def __init__(self, instruments):
        self._by_key = {i.key: i for i in instruments}

    def __iter__(self):
        return iter(sorted(self._by_key.values(), key=lambda i: (i.id, _version_order(i.version))))

    def get(self, instrument_id, version) -> Instrument | None:
        """The instrument with this id and version, or None."""
        return self._by_key.get(f"{instrument_id}-{version}")

    def by_key(self, key) -> Instrument | None:
        """The instrument named "<id>-<version>" (as in `?instrument=ndt-1`), or None."""
        return self._by_key.get(key)

    def has_id(self, instrument_id) -> bool:
        """True if any version of this instrument is loaded."""
        return any(i.id == instrument_id for i in self._by_key.values())

    def latest(self, instrument_id) -> Instrument | None:
        """The highest version of an instrument, or None."""
        versions = [i for i in self._by_key.values() if i.id == instrument_id]
        return max(versions, key=lambda i: _version_order(i.version)) if versions else None


def load_file(path: Path) -> Instrument:
    """Read and check one instrument file; raise InstrumentError naming the file and the faults."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InstrumentError(f"{path}: cannot read instrument JSON: {error}") from error
    try:
        definition = InstrumentSchema().load(raw)
    except ValidationError as error:
        raise InstrumentError(f"{path}: invalid instrument: {error.messages}") from error
    instrument = Instrument(definition, str(path))
    if Path(path).stem != instrument.key:
        raise InstrumentError(f"{path}: the file must be called {instrument.key}.json "
                              "(its id, a dash, its version)")
    return instrument


def _scoring(instrument: Instrument):
    d = instrument.definition
    return (d["kind"], d["scale"], [(x["key"], x["weight"]) for x in d["domains"]])


def _override(shipped: Instrument, local: Instrument) -> Instrument:
    """A deployment's file for a shipped id+version: its wording, the shipped scoring and licence."""
    if _scoring(shipped) != _scoring(local):
        raise InstrumentError(
            f"{local.source}: it has the id and version of {shipped.source} but scores differently "
            "(kind, scale, domain keys or weights); give it a new version instead")
    definition = dict(local.definition)
    # A local file cannot switch off a licence requirement or drop the notice.
    definition["requires_licence"] = shipped.requires_licence or local.requires_licence
    definition["licence_notice"] = local.licence_notice or shipped.licence_notice
    return Instrument(definition, local.source)


def load(folders) -> Catalog:
    """Load every `*.json` in `folders` in order; a later folder's file overrides an earlier one's
    wording for the same id and version (see `_override`)."""
    found: dict[str, Instrument] = {}
    for folder in folders:
        folder = Path(folder)
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.json")):
            instrument = load_file(path)
            previous = found.get(instrument.key)
            if previous is not None and Path(previous.source).parent == folder:
                raise InstrumentError(f"{path}: {instrument.key} is defined twice")
            found[instrument.key] = _override(previous, instrument) if previous else instrument
    return Catalog(found.values())


def folders_for(app_config) -> list[Path]:
    """Where a deployment's instruments come from: the shipped ones, then the instance folder's
    (a configuration without an instance folder, e.g. a script's, has the shipped ones only)."""
    instance = app_config.get("INSTANCE")
    return [PACKAGE_DIR] + ([Path(instance) / "instruments"] if instance else [])


_cache: dict = {}


def catalog(app_config) -> Catalog:
    """The deployment's instruments, read once per app (README: add an instrument and restart).

    Pages ask for it several times a request (the caseload, every page's offline forms), so it is
    never read from disk here: `create_app` loads it with `reload`, and nothing in the app changes
    the files (the admin's instruments page only switches the licence, a setting)."""
    found = _cache.get(str(app_config.get("INSTANCE")))
    if found is None:
        found = reload(app_config)
    return found


def reload(app_config) -> Catalog:
    """Read the deployment's instrument files again (a new app: the server started), checking
    every one; a bad file raises InstrumentError naming it."""
    # Keyed by the instance folder, the one thing that tells deployments' folders apart.
    _cache[str(app_config.get("INSTANCE"))] = found = load(folders_for(app_config))
    return found
