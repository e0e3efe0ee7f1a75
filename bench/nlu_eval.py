"""`make nlu-eval`: checks the NLU data, trains an NLU-only model, scores it on the held-out
split and by 5-fold cross-validation, and writes reports/nlu-eval.md from Rasa's JSON reports.
Runs in the Rasa environment: `.venvs/rasa/bin/python bench/nlu_eval.py [--skip-cv] [--full-train]`."""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import datetime, timezone
from functools import partial
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PROJECT = ROOT / "rasa_project"
RASA = str(ROOT / ".venvs" / "rasa" / "bin" / "rasa")
REPORT = ROOT / "reports" / "nlu-eval.md"
MIN_TRAINING_EXAMPLES = 40
# Entities the DIETClassifier learns; times, phones, emails (Duckling) and names (spaCy) are not.
DIET_ENTITIES = ("problem", "zip_code")
TARGET_INTENT_F1 = 0.93
TARGET_ENTITY_F1 = 0.90
THRESHOLDS = [round(0.30 + 0.05 * i, 2) for i in range(11)]


def normalized(text: str) -> str:
    """What makes two examples the same sentence: case and punctuation do not count."""
    return " ".join(re.sub(r"[^\w\s]", "", text.lower()).split())


def load_examples(path: Path) -> list[tuple[str, str, list[dict]]]:
    """(label, text, entities) of every intent example; label is `faq/<key>` for the FAQ."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [(m.get("intent_response_key") or m.get("intent"), m.get("text"), m.get("entities") or [])
            for m in data.intent_examples]


def check_data(train: list, heldout: list) -> list[str]:
    """Problems that must stop the evaluation: duplicates across intents, held-out sentences
    that are also training sentences, intents with too few training examples."""
    problems = []
    labels: dict[str, dict[str, list[str]]] = {"training": defaultdict(list), "held-out": defaultdict(list)}
    for split, examples in (("training", train), ("held-out", heldout)):
        for label, text, _ in examples:
            labels[split][normalized(text)].append(label)
        problems += [f"{split} example appears {len(ls)} times: '{t}' -> {sorted(ls)}"
                     for t, ls in labels[split].items() if len(ls) > 1]
    problems += [f"held-out example is also a training example: '{t}'"
                 for t in labels["held-out"] if t in labels["training"]]
    counts = Counter(label for label, _, _ in train)
    problems += [f"{label} has only {n} training examples (needs {MIN_TRAINING_EXAMPLES})"
                 for label, n in sorted(counts.items()) if n < MIN_TRAINING_EXAMPLES]
    return problems


def run(args: list[str]) -> float:
    """Runs a Rasa command in rasa_project/ and returns its wall-clock seconds."""
    print("$ rasa " + " ".join(args), flush=True)
    start = time.monotonic()
    # No training cache: a warm cache retrains only what changed, which is not a training time.
    subprocess.run([RASA, *args], cwd=PROJECT, check=True,
                   env={**os.environ, "RASA_TELEMETRY_ENABLED": "false", "RASA_MAX_CACHE_SIZE": "0"})
    return time.monotonic() - start


def inputs_fingerprint(*extra: Path) -> str:
    """Hash of what a trained model and its scores depend on: the training data and the pipeline
    without the FallbackClassifier, whose predictions Rasa's evaluation undoes anyway."""
    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    pipeline = [c for c in config["pipeline"] if c["name"] != "FallbackClassifier"]
    digest = hashlib.sha256(json.dumps(pipeline, sort_keys=True).encode())
    for path in [*sorted((PROJECT / "data" / "nlu").glob("*.yml")), *extra]:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def read_json(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


def fallback_sweep(results: Path) -> list[tuple[float, float, float]]:
    """For each threshold: share of correct predictions that would fall back, and share of
    wrong predictions that would be caught by the fallback instead."""
    def confidences(name: str) -> list[float]:
        return [e["intent_prediction"]["confidence"] for e in json.loads((results / name).read_text())]

    right, wrong = confidences("intent_successes.json"), confidences("intent_errors.json")
    return [(t, sum(c < t for c in right) / max(len(right), 1), sum(c < t for c in wrong) / max(len(wrong), 1))
            for t in THRESHOLDS]


def worst_confusions(intent_report: dict, top: int = 8) -> list[tuple[str, str, int]]:
    pairs = [(label, other, n) for label, row in intent_report.items() if isinstance(row, dict)
             for other, n in (row.get("confused_with") or {}).items()]
    return sorted(pairs, key=lambda p: -p[2])[:top]


def person_scores(heldout_path: Path) -> dict:
    """Exact-span precision and recall of spaCy PERSON (what SpacyEntityExtractor returns)
    over every held-out example; all person names in the held-out split are labelled."""
    import spacy

    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    model = next(c["model"] for c in config["pipeline"] if c["name"] == "SpacyNLP")
    nlp = spacy.load(PROJECT / model)
    tp = fp = fn = 0
    misses = []
    for _, text, entities in load_examples(heldout_path):
        gold = {(e["start"], e["end"]) for e in entities if e["entity"] == "PERSON"}
        found = {(e.start_char, e.end_char) for e in nlp(text).ents if e.label_ == "PERSON"}
        tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
        if gold != found and len(misses) < 8:
            misses.append((text, sorted(text[s:e] for s, e in gold), sorted(text[s:e] for s, e in found)))
    precision, recall = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    f1 = 2 * precision * recall / max(precision + recall, 1e-9)
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn, "misses": misses}


def entity_spans(results: Path) -> dict[str, dict[str, float]]:
    """Entity-level scores per DIET entity: `exact` needs the same span, `overlap` counts a
    prediction that shares any character with the labelled span (what the problem slot needs:
    the service is matched by keyword inside the extracted text). Rasa's own report is per token."""
    # Rasa can list one example under both files; keep each text once.
    examples = list({e["text"]: e for name in ("successes", "errors")
                     for e in json.loads((results / f"DIETClassifier_{name}.json").read_text())}.values())
    scores = {}
    for entity in DIET_ENTITIES:
        counts = Counter()
        for example in examples:
            gold = [(e["start"], e["end"]) for e in example["entities"] if e["entity"] == entity]
            found = [(e["start"], e["end"]) for e in example["predicted_entities"] if e["entity"] == entity]
            counts["gold"], counts["found"] = counts["gold"] + len(gold), counts["found"] + len(found)
            counts["exact"] += len(set(gold) & set(found))
            counts["gold_hit"] += sum(any(s < fe and fs < e for fs, fe in found) for s, e in gold)
            counts["found_hit"] += sum(any(s < ge and gs < e for gs, ge in gold) for s, e in found)
        for name, tp_gold, tp_found in (("exact", counts["exact"], counts["exact"]),
                                        ("overlap", counts["gold_hit"], counts["found_hit"])):
            precision, recall = tp_found / max(counts["found"], 1), tp_gold / max(counts["gold"], 1)
            scores.setdefault(entity, {"support": counts["gold"]})[name] = (
                2 * precision * recall / max(precision + recall, 1e-9))
    return scores


def fallback_threshold() -> float:
    config = yaml.safe_load((PROJECT / "config.yml").read_text())
    return next(c["threshold"] for c in config["pipeline"] if c["name"] == "FallbackClassifier")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or "unknown CPU")
    gpu = "no GPU" if not Path("/dev/nvidia0").exists() else "NVIDIA GPU present"
    return f"{os.cpu_count()} CPU cores ({cpu}), {gpu}, Python {platform.python_version()}"


def f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def intent_rows(heldout: dict, cv: dict) -> list[str]:
    labels = sorted(k for k, v in heldout.items() if isinstance(v, dict) and "support" in v and "avg" not in k)
    rows = ["| Intent | Held-out P | R | F1 | n | CV F1 | CV n |", "|---|---|---|---|---|---|---|"]
    for label in labels:
        h, c = heldout[label], cv.get(label, {})
        rows.append(f"| {label} | {f(h['precision'])} | {f(h['recall'])} | {f(h['f1-score'])} | {h['support']} "
                    f"| {f(c.get('f1-score'))} | {c.get('support', '-')} |")
    return rows


def write_report(args, timings: dict, counts: dict) -> None:
    held, cv = PROJECT / "results" / "nlu_heldout", PROJECT / "results" / "nlu_cv"
    cv_ran = "cv" in timings  # never report a previous run's cross-validation
    hi, he, hr = (read_json(held / f"{n}_report.json") for n in ("intent", "DIETClassifier", "response_selection"))
    ci, ce, cr = ({} if not cv_ran else read_json(cv / f"{n}_report.json")
                  for n in ("intent", "DIETClassifier", "response_selection"))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    if subprocess.run(["git", "status", "--porcelain", "--", "rasa_project", "bench"], cwd=ROOT,
                      capture_output=True, text=True).stdout.strip():
        commit += " plus uncommitted changes"
    macro, weighted = hi["macro avg"]["f1-score"], hi["weighted avg"]["f1-score"]
    entity_f1 = {e: he.get(e, {}).get("f1-score") for e in DIET_ENTITIES}
    lines = [
        "# NLU evaluation",
        "",
        f"Generated by `make nlu-eval` on {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC at commit `{commit}`.",
        f"Machine: {machine()}. Rasa {__import__('rasa').__version__}.",
        "",
        "Held-out split: `rasa_project/nlu_heldout/` (written separately, never trained on). "
        "Cross-validation: 5 folds over `rasa_project/data/` (stratified by intent).",
        "",
        "## Summary",
        "",
        "| Measure | Held-out | 5-fold CV | Target (held-out) |",
        "|---|---|---|---|",
        f"| Intent macro-F1 | {f(macro)} | {f(ci.get('macro avg', {}).get('f1-score'))} | >= {TARGET_INTENT_F1} "
        f"{'met' if macro >= TARGET_INTENT_F1 else 'NOT met'} |",
        f"| Intent weighted-F1 | {f(weighted)} | {f(ci.get('weighted avg', {}).get('f1-score'))} | |",
        f"| Intent accuracy | {f(hi.get('accuracy'))} | {f(ci.get('accuracy'))} | |",
    ]
    for entity in DIET_ENTITIES:
        value = entity_f1[entity]
        met = "met" if value is not None and value >= TARGET_ENTITY_F1 else "NOT met"
        lines.append(f"| Entity F1 `{entity}` (DIET) | {f(value)} | {f(ce.get(entity, {}).get('f1-score'))} "
                     f"| >= {TARGET_ENTITY_F1} {met} |")
    lines += [
        f"| FAQ ResponseSelector accuracy | {f(hr.get('accuracy'))} | {f(cr.get('accuracy'))} | |",
        f"| FallbackClassifier threshold | {fallback_threshold()} | | tuned on held-out, see below |",
        "",
        "## Training cost",
        "",
        f"- NLU-only `rasa train nlu` (config.yml pipeline, data/): {timings['train']:.0f} s wall clock, "
        f"model {timings['model_mb']:.1f} MB.",
    ]
    if "full_train" in timings:
        lines.append(f"- Full `rasa train` (NLU + dialogue policies): {timings['full_train']:.0f} s, "
                     f"model {timings['full_model_mb']:.1f} MB.")
    else:
        lines.append("- Full `rasa train` not measured in this run (`make nlu-eval FULL_TRAIN=1` measures it).")
    if "cv" in timings:
        lines.append(f"- 5-fold cross-validation: {timings['cv']:.0f} s.")
    lines.append(f"- Held-out evaluation: {timings['test']:.0f} s.")
    if timings["reused"]:
        lines.append(f"- Taken from an earlier run on identical data and pipeline (`--reuse`): "
                     f"{', '.join(timings['reused'])}.")
    lines += ["", "The machine is shared with other jobs, so times are indicative.", "", "## Intents", ""]
    lines += intent_rows(hi, ci)
    lines += ["", "`faq` is one intent for the DIETClassifier; its sub-intents are scored by the ResponseSelector below.",
              "", "## Entities (DIETClassifier)", "", "| Entity | Held-out P | R | F1 | n | CV F1 | CV n |",
              "|---|---|---|---|---|---|---|"]
    for entity in DIET_ENTITIES:
        h, c = he.get(entity, {}), ce.get(entity, {})
        lines.append(f"| {entity} | {f(h.get('precision'))} | {f(h.get('recall'))} | {f(h.get('f1-score'))} "
                     f"| {h.get('support', 0)} | {f(c.get('f1-score'))} | {c.get('support', '-')} |")
    spans = entity_spans(held)
    lines += ["", "Rasa scores entities per token (the table above, and the targets). Per entity on the held-out "
              "split, counting whole spans:", "", "| Entity | Spans | F1 exact span | F1 overlapping span |",
              "|---|---|---|---|"]
    lines += [f"| {e} | {v['support']} | {f(v['exact'])} | {f(v['overlap'])} |" for e, v in spans.items()]
    person = person_scores(PROJECT / "nlu_heldout")
    lines += ["", "Times, phone numbers, emails and money come from Duckling and names from spaCy; Rasa's "
              "evaluation leaves those pre-trained extractors out, so they are not in the figures above.", "",
              "### spaCy PERSON (customer names)", "",
              f"Exact-span scores over all held-out examples ({person['support']} labelled names): precision "
              f"{f(person['precision'])}, recall {f(person['recall'])}, F1 {f(person['f1'])}. Examples it gets wrong:", ""]
    lines += [f"- \"{text}\": labelled {gold}, spaCy {found}" for text, gold, found in person["misses"]]
    lines += ["", "## FAQ ResponseSelector (accuracy = recall per sub-intent)", "",
              "| Sub-intent | Held-out accuracy | n | CV accuracy | CV n |", "|---|---|---|---|---|"]
    for key in sorted(k for k in hr if k.startswith("faq/")):
        c = cr.get(key, {})
        lines.append(f"| {key} | {f(hr[key]['recall'])} | {hr[key]['support']} | {f(c.get('recall'))} "
                     f"| {c.get('support', '-')} |")
    sweep = fallback_sweep(held)
    lines += ["", "## Fallback threshold", "",
              f"Configured: `FallbackClassifier threshold: {fallback_threshold()}`. On the held-out split, for each "
              "threshold, the share of correctly classified messages that would be answered with the fallback "
              "(lost), and the share of misclassified messages the fallback would catch instead:", "",
              "| Threshold | Correct that fall back | Errors caught |", "|---|---|---|"]
    lines += [f"| {t} | {lost:.1%} | {caught:.1%} |" for t, lost, caught in sweep]
    lines += ["", "## Worst confusions (true -> predicted, count)", "", "| Held-out | CV |", "|---|---|"]
    hw, cw = worst_confusions(hi), worst_confusions(ci)
    for i in range(max(len(hw), len(cw))):
        left = f"{hw[i][0]} -> {hw[i][1]} ({hw[i][2]})" if i < len(hw) else ""
        right = f"{cw[i][0]} -> {cw[i][1]} ({cw[i][2]})" if i < len(cw) else ""
        lines.append(f"| {left} | {right} |")
    lines += ["", "## Examples per intent", "", "| Intent | Training | Held-out |", "|---|---|---|"]
    lines += [f"| {label} | {n} | {counts['heldout'].get(label, 0)} |" for label, n in sorted(counts["train"].items())]
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
    print(f"wrote {REPORT.relative_to(ROOT)}")


def stage(stamp: Path, fingerprint: str, reuse: bool, work) -> dict:
    """Runs one costly step, or with `reuse` keeps the figures of an earlier run of it on the
    same inputs (the machine has two cores; the five folds alone take most of an hour)."""
    if reuse and stamp.exists():
        saved = json.loads(stamp.read_text())
        if saved["fingerprint"] == fingerprint:
            return {**saved["timings"], "reused": [stamp.parent.name]}
    timings = work()
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(json.dumps({"fingerprint": fingerprint, "timings": timings}))
    return timings


def train_model() -> dict:
    seconds = run(["train", "nlu", "--config", "config.yml", "--nlu", "data", "--out", "models_nlu",
                   "--fixed-model-name", "nlu"])
    return {"train": seconds, "model_mb": (PROJECT / "models_nlu" / "nlu.tar.gz").stat().st_size / 1e6}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-cv", action="store_true", help="held-out only (for iterating on the data)")
    parser.add_argument("--full-train", action="store_true", help="also time a full `rasa train`")
    parser.add_argument("--check-only", action="store_true", help="only check the data for duplicates")
    parser.add_argument("--cv-only", action="store_true", help="only run the cross-validation")
    parser.add_argument("--reuse", action="store_true",
                        help="keep the model, held-out and CV results of earlier runs on unchanged inputs")
    args = parser.parse_args()

    train, heldout = load_examples(PROJECT / "data" / "nlu"), load_examples(PROJECT / "nlu_heldout")
    problems = check_data(train, heldout)
    for problem in problems:
        print("ERROR:", problem, file=sys.stderr)
    if problems or args.check_only:
        return 1 if problems else 0
    counts = {"train": Counter(label for label, _, _ in train), "heldout": Counter(label for label, _, _ in heldout)}

    results = PROJECT / "results"
    cross_validation = partial(stage, results / "nlu_cv" / "fingerprint.json", inputs_fingerprint(), args.reuse,
                               lambda: {"cv": run(["test", "nlu", "--nlu", "data", "--cross-validation",
                                                   "--folds", "5", "--config", "config.yml",
                                                   "--out", "results/nlu_cv", "--no-plot"])})
    if args.cv_only:
        cross_validation()
        return 0
    timings = stage(PROJECT / "models_nlu" / "fingerprint.json", inputs_fingerprint(), args.reuse, train_model)
    reused = timings.pop("reused", [])
    heldout_step = stage(results / "nlu_heldout" / "fingerprint.json",
                         inputs_fingerprint(*sorted((PROJECT / "nlu_heldout").glob("*.yml"))), args.reuse,
                         lambda: {"test": run(["test", "nlu", "--nlu", "nlu_heldout", "--model",
                                               "models_nlu/nlu.tar.gz", "--out", "results/nlu_heldout",
                                               "--successes", "--no-plot"])})
    reused += heldout_step.pop("reused", [])
    timings.update(heldout_step)
    if not args.skip_cv:
        cv_step = cross_validation()
        reused += cv_step.pop("reused", [])
        timings.update(cv_step)
    if args.full_train:
        timings["full_train"] = run(["train", "--out", "models_nlu", "--fixed-model-name", "full"])
        timings["full_model_mb"] = (PROJECT / "models_nlu" / "full.tar.gz").stat().st_size / 1e6
    timings["reused"] = reused
    write_report(args, timings, counts)
    return 0


if __name__ == "__main__":
    sys.exit(main())
