"""How long does the coordinator's merge page take to find possible duplicates in a big area?
Prints figures (match keys against comparing every pair); asserts nothing.

    .venv/bin/python bench/duplicates.py [--people 6000]

Builds a throwaway database of `--people` people in one area with names drawn from common UK
first names and surnames (so there are many near-duplicates), then times `possible_duplicates`
as a coordinator of that area, and the old comparison of every pair on up to 2,000 of them.
"""

import argparse
import random
import tempfile
import time
from pathlib import Path

from fieldapp.db import open_db
from fieldapp.migrations import migrate
from fieldapp.rules import matching

AREA = "Fenland and East Cambridgeshire"
FIRST = ["Daniel", "Dan", "Danny", "Sam", "Samantha", "Kerry", "Lee", "Leon", "Chris", "Christine",
         "Jo", "Joanne", "John", "Jon", "Mark", "Marcus", "Paul", "Paula", "Sarah", "Sara", "Tom",
         "Thomas", "Amy", "Aimee", "Gary", "Gareth", "Wayne", "Dean", "Michelle", "Mick", "D", "S"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood",
        "Jackson", "Clarke", "Patel", "Khan", "Lewis", "James", "Phillips", "Mason", "Mitchell"]


def surname(chance, rare):
    if not rare:
        return chance.choice(LAST)
    return "".join(chance.choice("bcdfghklmnprstvw") + chance.choice("aeiou") for _ in range(3))


def every_pair(people):
    pairs = 0
    for i, a in enumerate(people):
        tokens = matching.name_tokens(a["display_name"])
        for b in people[i + 1:]:
            pairs += bool(matching._best_match(tokens, b))
    return pairs


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=6000)
    parser.add_argument("--rare-surnames", action="store_true",
                        help="made-up surnames, so few people share a whole name")
    args = parser.parse_args()
    chance = random.Random(7)
    with tempfile.TemporaryDirectory() as folder:
        db = open_db(Path(folder) / "bench.db")
        migrate(db)
        db["person"].insert_all(({
            "id": f"p{n:05}", "version": 1, "deleted": 0, "scope": f"p{n:05}",
            "display_name": f"{chance.choice(FIRST)} {surname(chance, args.rare_surnames)}",
            "district": "Fenland",
            "area": AREA, "created_at": f"2026-01-01T00:{n // 60 % 60:02}:{n % 60:02}Z"}
            for n in range(args.people)), batch_size=1000)
        db.conn.commit()
        coordinator = {"role": "coordinator", "area": AREA}
        runs = []
        for _ in range(3):
            start = time.perf_counter()
            found = matching.possible_duplicates(db, coordinator)
            runs.append(time.perf_counter() - start)
        print(f"possible duplicates among {args.people} people, by match keys: "
              f"best {min(runs) * 1000:.0f} ms of 3 ({len(found)} listed)")
        sample = min(args.people, 2000)
        people = list(db.query("SELECT * FROM person ORDER BY created_at LIMIT ?", [sample]))
        start = time.perf_counter()
        every_pair(people)
        brute = time.perf_counter() - start
        start = time.perf_counter()
        matching.possible_duplicates(db, {"role": "coordinator", "area": AREA}, limit=20)
        print(f"every pair of {sample} people (the old way): {brute * 1000:.0f} ms")
        db.close()


if __name__ == "__main__":
    main()
