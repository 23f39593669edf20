"""Properties of the three-way field merge (sync/merge.py), for any base, server and patch: what
the phone alone changed is applied, what both changed differently is a conflict that keeps the
server's value, agreeing changes are neither, and fields the phone did not send never change."""

from hypothesis import given
from hypothesis import strategies as st

from sync import FieldConflict, merge_fields

# A few field names and values, so that the sides often agree and often collide.
NAMES = st.sampled_from(["name", "district", "phone", "urgent", "notes"])
VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2, 2),
                   st.sampled_from(["", "Fenland", "March", "Wisbech"]))
RECORDS = st.dictionaries(NAMES, VALUES)


def apply(server, changes):
    """The record as stored after the merge: the server's fields with the changes over them (a
    field missing from a record counts as None, as in the merge)."""
    return {**server, **changes}


@given(base=RECORDS, server=RECORDS, patch=RECORDS)
def test_only_fields_of_the_patch_are_changed_or_in_conflict(base, server, patch):
    changes, conflicts = merge_fields(base, server, patch)
    assert set(changes) <= set(patch)
    assert {c.field for c in conflicts} <= set(patch)


@given(base=RECORDS, server=RECORDS, patch=RECORDS)
def test_fields_not_in_the_patch_keep_the_servers_value(base, server, patch):
    changes, _ = merge_fields(base, server, patch)
    merged = apply(server, changes)
    assert all(merged[name] == server[name] for name in server if name not in patch)


@given(base=RECORDS, server=RECORDS, patch=RECORDS)
def test_a_field_is_never_both_changed_and_in_conflict(base, server, patch):
    changes, conflicts = merge_fields(base, server, patch)
    assert not set(changes) & {c.field for c in conflicts}


@given(base=RECORDS, patch=RECORDS)
def test_when_the_server_has_not_moved_the_whole_patch_applies(base, patch):
    changes, conflicts = merge_fields(base, dict(base), patch)
    merged = apply(base, changes)
    assert conflicts == []
    assert all(merged.get(name) == incoming for name, incoming in patch.items())


@given(base=RECORDS, server=RECORDS, patch=RECORDS)
def test_a_field_only_the_phone_changed_takes_the_phones_value(base, server, patch):
    changes, _ = merge_fields(base, server, patch)
    for name, incoming in patch.items():
        if server.get(name) == base.get(name) and incoming != server.get(name):
            assert changes[name] == incoming


@given(base=RECORDS, server=RECORDS, patch=RECORDS)
def test_a_field_both_changed_differently_is_a_conflict_keeping_the_servers_value(
        base, server, patch):
    changes, conflicts = merge_fields(base, server, patch)
    expected = [FieldConflict(name, base.get(name), server.get(name), incoming)
                for name, incoming in patch.items()
                if server.get(name) != base.get(name) and incoming != server.get(name)]
    assert conflicts == expected  # in the patch's order, with all three values
    merged = apply(server, changes)
    assert all(merged.get(c.field) == server.get(c.field) for c in conflicts)


@given(base=RECORDS, server=RECORDS, patch=RECORDS)
def test_a_patch_value_the_server_already_has_is_neither_change_nor_conflict(base, server, patch):
    changes, conflicts = merge_fields(base, server, patch)
    same = {name for name, incoming in patch.items() if incoming == server.get(name)}
    assert not same & set(changes)
    assert not same & {c.field for c in conflicts}
