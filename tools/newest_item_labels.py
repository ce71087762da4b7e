#!/usr/bin/env python3
"""Dataset folders whose label is each user's newest history item, to see where a model ranks it.

    python3 tools/newest_item_labels.py DATA OUT

writes OUT/at-validation (validation label = the last training item; the history is unchanged: the
training items) and OUT/at-test (test label = the validation item; the history is the training
items and the validation item), both beside copies of DATA's other files. Then

    java -jar target/recformer.jar evaluate --model RUN/best --data OUT/at-validation --split validation
    java -jar target/recformer.jar evaluate --model RUN/best --data OUT/at-test --split test

print, as Recall@10, the share of users whose newest history item the model ranks in its top 10
at validation and at test time (docs/results.md, "Every (history, next item) pair").
"""
import json
import os
import shutil
import sys


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.splitlines()[2].strip())
    data, out = sys.argv[1], sys.argv[2]
    with open(os.path.join(data, "train.json")) as f:
        train = json.load(f)
    with open(os.path.join(data, "val.json")) as f:
        val = json.load(f)
    folders = {
        "at-validation": {"val.json": {u: [items[-1]] for u, items in train.items()}},
        "at-test": {"val.json": val, "test.json": {u: val[u] for u in train if u in val}},
    }
    for name, replaced in folders.items():
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        for f in os.listdir(data):
            if f.endswith(".json") and f not in replaced:
                shutil.copyfile(os.path.join(data, f), os.path.join(folder, f))
        for f, content in replaced.items():
            with open(os.path.join(folder, f), "w") as handle:
                json.dump(content, handle)
    print(f"wrote {out}/at-validation and {out}/at-test")


if __name__ == "__main__":
    main()
