"""The typed knowledge base: frozen entities, named accessors, clear errors, a lean warm start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from triggermap.knowledge import Knowledge, UnknownId, load
from triggermap.knowledge import entities as e


@pytest.fixture(scope="module")
def kb() -> Knowledge:
    return load()


def test_every_entity_gives_back_its_validated_plain_data(kb):
    """to_dict() is the schema's model_dump(): the exports that need plain data get what they got."""
    from triggermap.knowledge.compiler import read_raw

    raw = read_raw()
    assert [m.to_dict() for m in kb.muscles.values()] == raw["muscles"]
    assert [c.to_dict() for c in kb.conditions.values()] == raw["conditions"]
    assert [r.to_dict() for r in kb.regions.values()] == raw["regions"]
    assert [x.to_dict() for x in kb.exercises.values()] == raw["exercises"]
    assert [r.to_dict() for r in kb.references.values()] == raw["references"]
    assert [f.to_dict() for f in kb.red_flags.values()] == raw["red_flags"]["flags"]
    assert [r.to_dict() for r in kb.rules] == raw["red_flags"]["rules"]
    assert {cat: [i.to_dict() for i in items.values()] for cat, items in kb.vocab.items()} == raw["vocab"]


def test_entities_are_typed_and_frozen(kb):
    m = kb.muscle("gluteus-minimus")
    assert isinstance(m, e.Muscle) and isinstance(m.names, e.Names) and isinstance(m.confirm, e.Fact)
    assert isinstance(m.trigger_points[0], e.TriggerPoint) and isinstance(m.trigger_points[0].essential[0], e.ZoneRef)
    assert isinstance(m.self_care, tuple)
    with pytest.raises(AttributeError):
        m.id = "other"  # type: ignore[misc]
    c = next(iter(kb.conditions.values()))
    assert all(isinstance(f, e.Feature) for f in c.features)
    lateral = next(r for r in kb.regions.values() if not r.midline)
    assert isinstance(lateral.choir, e.ChoirSides)
    midline = next(r for r in kb.regions.values() if r.midline)
    assert isinstance(midline.choir, tuple) and not isinstance(midline.choir, e.ChoirSides)


def test_texts_read_in_each_language(kb):
    m = kb.muscle("piriformis")
    assert m.names.of("en") == m.names.en and m.names.of("es") == m.names.es and m.names.es != m.names.en
    assert m.summary.of("es") == m.summary.es
    assert m.names.to_dict() == {"en": m.names.en, "es": m.names.es, "la": m.names.la}


def test_accessors_find_each_kind_of_entity(kb):
    tp = kb.muscle("gluteus-minimus").trigger_points[0]
    assert kb.trigger_point(tp.id) is tp and kb.muscle_of(tp.id).id == "gluteus-minimus"
    rid = next(iter(kb.regions))
    assert kb.region(rid).id == rid
    cid = next(iter(kb.conditions))
    assert kb.condition(cid).id == cid
    fid = next(iter(kb.red_flags))
    assert kb.red_flag(fid).id == fid
    xid = next(iter(kb.exercises))
    assert kb.exercise(xid).id == xid
    assert kb.reference("travell-simons-1992").kind == "book"
    assert kb.vocab_item("aggravating", "sitting").id == "sitting"
    assert kb.rule(kb.rules[0].id) is kb.rules[0]
    assert [item.id for _cat, item in kb.iter_vocab()] == [i for items in kb.vocab.values() for i in items]


@pytest.mark.parametrize(
    ("call", "wrong", "closest"),
    [
        ("muscle", "gluteus-medus", "gluteus-medius"),
        ("region", "low-bak", "low-back"),
        ("exercise", "piriformis-strech", None),
        ("reference", "travell-simons-1993", "travell-simons-1992"),
    ],
)
def test_an_unknown_id_names_the_closest_one(kb, call, wrong, closest):
    with pytest.raises(UnknownId) as info:
        getattr(kb, call)(wrong)
    assert isinstance(info.value, KeyError)
    text = str(info.value)
    assert wrong in text
    if closest is not None:
        assert f"did you mean {closest!r}" in text
    elif "did you mean" in text:  # whatever it suggests is a real id
        assert text.split("did you mean ")[1].strip("'?") in getattr(kb, f"{call}s")


def test_an_unknown_vocabulary_category_is_named(kb):
    with pytest.raises(UnknownId, match="did you mean 'findings'"):
        kb.vocab_item("finding", "faber-positive")


def test_warm_start_imports_neither_yaml_nor_pydantic_nor_the_compiler(tmp_path):
    env = {**os.environ, "TRIGGERMAP_CACHE_DIR": str(tmp_path)}
    code = (
        "import sys\n"
        "from triggermap.knowledge import load\n"
        "kb = load()\n"
        "print(kb.muscle('piriformis').names.en, sorted(m for m in ('yaml', 'pydantic', "
        "'triggermap.knowledge.compiler') if m in sys.modules))\n"
    )
    cold = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert "'triggermap.knowledge.compiler'" in cold.stdout  # the first run compiles (the test can fail)
    warm = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert warm.stdout.strip().endswith("[]"), warm.stdout
    assert warm.stdout.split(" [")[0] == cold.stdout.split(" [")[0]


def test_entities_are_built_like_named_tuples():
    t = e.Text(en="pain", es="dolor")
    assert t == e.Text("pain", "dolor") == ("pain", "dolor") and t._fields == ("en", "es")
    assert t._replace(es="dolor fuerte").es == "dolor fuerte" and t.es == "dolor"
    assert t._asdict() == {"en": "pain", "es": "dolor"} and repr(t) == "Text(en='pain', es='dolor')"
    with pytest.raises(TypeError, match="missing argument 'es'"):
        e.Text(en="pain")
    with pytest.raises(TypeError, match="unexpected"):
        e.Text("pain", "dolor", fr="douleur")
    with pytest.raises(TypeError, match="takes 2 arguments"):
        e.Text("pain")
    with pytest.raises(AttributeError):
        t.note = "x"  # type: ignore[attr-defined]


def test_the_cache_holds_entities_and_loads_them_back(tmp_path, monkeypatch):
    import copy
    import pickle

    from triggermap.knowledge import compiler, loader

    kb = compiler.compile_knowledge()
    path = tmp_path / "kb.pickle"
    with open(path, "wb") as fh:
        compiler.dump(kb, fh)
    back = loader._read_cache(str(path))
    assert back is not None and back.version == kb.version
    assert back.muscles == kb.muscles and type(back.muscle("piriformis").names) is e.Names
    assert back.rules == kb.rules and back.trigger_points == kb.trigger_points
    m = kb.muscle("piriformis")  # the ordinary pickle and copy protocols work too
    assert pickle.loads(pickle.dumps(m)) == m and copy.deepcopy(m) == m
