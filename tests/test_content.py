"""The question bank: every shipped file validates, every rule fails with its exact words, CSV round-trips.

Error messages are part of the interface (organisers act on them), so the rule tests compare whole
strings. Tests run in tmp_path so paths print as `bank/questions/q.yaml`, as a user would see them.
"""
from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from bot.__main__ import main
from bot.content import ContentError, _tail, bundled_dir, check_bank, load_bank, parse_questions
from bot.content_csv import COLUMNS, export_csv, import_csv, join_items, split_items

BUNDLED = bundled_dir()
SHIPPED = sorted((BUNDLED / "questions").glob("*.yaml"))
TOPIC = {"id": "alpha", "name": "Alpha", "description": "The first topic.", "minimum": 0}


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STUDYBOT_CONTENT_DIRS", raising=False)


def choice(id="q-one", **changes) -> dict:
    q = {"id": id, "topic": "alpha", "kind": "choice", "difficulty": "easy",
         "prompt": f"Which city is the capital of France? ({id})", "choices": ["Paris", "Lyon", "Nice"],
         "answer": "Paris", "explanation": "Paris has been the capital for centuries; Lyon is only bigger in food."}
    return {k: v for k, v in {**q, **changes}.items() if v is not None}


def short(id="q-short", **changes) -> dict:
    q = {"id": id, "topic": "alpha", "kind": "short", "difficulty": "medium", "prompt": "Name the L2 penalty.",
         "accept": ["ridge", "weight decay"], "reject": ["lasso", "L1"],
         "explanation": "Ridge adds the squared weights to the loss."}
    return {k: v for k, v in {**q, **changes}.items() if v is not None}


def open_(id="q-open", **changes) -> dict:
    q = {"id": id, "topic": "alpha", "kind": "open", "difficulty": "hard",
         "prompt": "How would you detect that a deployed model has degraded?",
         "key_points": ["monitor inputs", "monitor outputs", "delayed labels"], "explanation": "Watch the data.",
         "tags": ["monitoring"], "source": "general"}
    return {**q, **changes}


def write_bank(folder: Path | str, questions, topics=(TOPIC,), raw: str | None = None) -> Path:
    folder = Path(folder)
    (folder / "questions").mkdir(parents=True, exist_ok=True)
    if topics is not None:
        (folder / "topics.yaml").write_text(yaml.safe_dump(list(topics), sort_keys=False))
    text = raw if raw is not None else yaml.safe_dump(list(questions), sort_keys=False, allow_unicode=True)
    (folder / "questions" / "q.yaml").write_text(text)
    return folder


def problems(*folders, **kw) -> list[str]:
    with pytest.raises(ContentError) as exc:
        load_bank(*folders, **kw)
    return [str(p) for p in exc.value.problems]


# ------------------------------------------------------------------ the shipped bank

@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_every_shipped_file_validates(path):
    found: list = []
    questions = parse_questions(yaml.safe_load(path.read_text(encoding="utf-8")), path.name, found)
    assert [str(p) for p in found] == []
    topics = {t["id"] for t in yaml.safe_load((BUNDLED / "topics.yaml").read_text())}
    assert {q.topic for q in questions} <= topics


def test_the_bundled_bank_loads_with_every_rule_including_minimums():
    assert len(load_bank(BUNDLED).questions) >= 400  # raises ContentError naming file, id and field if not


def test_the_bundled_bank_meets_the_bar_of_content_md():
    bank = load_bank(BUNDLED, check_minimums=False)
    questions = list(bank.questions.values())
    per_topic = Counter(q.topic for q in questions)
    assert len(questions) >= 400
    assert sum(q.kind == "choice" for q in questions) >= 200
    assert len(bank.topics) >= 10 and min(per_topic[t] for t in bank.topics) >= 20
    share = {d: n / len(questions) for d, n in Counter(q.difficulty for q in questions).items()}
    assert abs(share["easy"] - 0.4) <= 0.1 and abs(share["medium"] - 0.4) <= 0.1 and abs(share["hard"] - 0.2) <= 0.1


# ------------------------------------------------------------------ one failing example per rule

F = "bank/questions/q.yaml"


@pytest.mark.parametrize("question, message", [
    (choice(difficulty="Hard"), f"{F}: q-one: difficulty: must be 'easy', 'medium' or 'hard' (not 'Hard')"),
    (choice(explanation=None), f"{F}: q-one: explanation: is required"),
    (choice(kind="mcq"), f"{F}: q-one: kind: must be 'choice', 'short' or 'open' (not 'mcq')"),
    (choice(kind=None), f"{F}: q-one: kind: is required: 'choice', 'short' or 'open'"),
    (choice(id="Q_One"), f"{F}: Q_One: id: must be kebab-case: lowercase letters, digits and single hyphens "
                         "(not 'Q_One')"),
    (choice(hint="x"), f"{F}: q-one: hint: is not a field of a choice question (check the spelling, or remove it)"),
    (choice(prompt=""), f"{F}: q-one: prompt: must not be empty"),
    (choice(choices=["Paris", "Lyon", True], answer=0), f"{F}: q-one: choices.2: must be text (not True; put it in quotes)"),
    (choice(answer="Lille"), f"{F}: q-one: answer: 'Lille' is not among the choices; it must match one exactly"),
    (choice(answer="paris"), f"{F}: q-one: answer: 'paris' is not among the choices; it must match one exactly "
                             "(did you mean 'Paris'?)"),
    (choice(answer=3), f"{F}: q-one: answer: 3 is out of range: the 3 choices are numbered 0 to 2"),
    (choice(answer=True), f"{F}: q-one: answer: must be the correct choice's number (0 is the first) or its exact text"),
    (choice(choices=["Paris", "Lyon", "A" * 81]), f"{F}: q-one: choices.2: at most 75 characters (this one has 81)"),
    (choice(choices=["Paris"]), f"{F}: q-one: choices: needs at least 2 entries (this one has 1)"),
    (choice(choices=list("ABCDEFG"), answer="A"), f"{F}: q-one: choices: at most 6 entries (this one has 7)"),
    (choice(choices=["Paris", "paris"]), f"{F}: q-one: choices: two choices are the same ('Paris')"),
    (choice(choices=["Paris", "None of the above"]),
     f"{F}: q-one: choices: 'None of the above' is not allowed: write a distractor people really pick"),
    (short(accept=["ridge", " "]), f"{F}: q-short: accept.1: must not be empty"),
    (short(accept=[]), f"{F}: q-short: accept: needs at least 1 entries (this one has 0)"),
    (short(reject=None), f"{F}: q-short: reject: is required: list at least 2 wrong answers people type, "
                         "which the matcher must refuse"),
    (short(reject=["lasso"]), f"{F}: q-short: reject: needs at least 2 entries (this one has 1)"),
    (short(reject=["lasso", ""]), f"{F}: q-short: reject.1: must not be empty"),
    (short(reject=["Ridge!", "lasso", "weight decays"]),
     f"{F}: q-short: reject: 'Ridge!' is accepted by the matcher (matches 'ridge'); "
     "'weight decays' is accepted by the matcher (matches 'weight decay')"),
    (choice(prompt="Why? " + "x" * 396), f"{F}: q-one: prompt: at most 400 characters of text (this one has 401)"),
    (choice(prompt="What does this print?\n```python\n" + "x" * 887 + "\n```"),
     f"{F}: q-one: prompt: a code block of at most 900 characters (this one has 901)"),
    (open_(key_points=["a", "b"]), f"{F}: q-open: key_points: needs at least 3 entries (this one has 2)"),
    (open_(tags=[""]), f"{F}: q-open: tags.0: must not be empty"),
    ("just text", f"{F}: question #1: must be a mapping of fields (id: …, topic: …, kind: …)"),
], ids=lambda v: v if isinstance(v, str) and not v.startswith(F) else "")
def test_a_schema_error_names_file_question_and_field(question, message):
    assert problems(write_bank("bank", [question])) == [message]


def test_duplicate_id():
    bank = write_bank("bank", [choice(), choice(prompt="Something else entirely?")])
    assert problems(bank) == [f"{F}: q-one: id: duplicate id: already used in {F}"]


def test_duplicate_prompt_ignores_case_and_punctuation():
    bank = write_bank("bank", [choice(prompt="What is overfitting?"), choice("q-two", prompt="what is  OVERFITTING")])
    assert problems(bank) == [f"{F}: q-two: prompt: duplicate prompt: the same as q-one"]


def test_near_duplicate_prompt():
    bank = write_bank("bank", [choice(prompt="Which metric suits imbalanced classes best?"),
                               choice("q-two", prompt="Which metric suits imbalanced classes the best?")])
    assert problems(bank) == [f"{F}: q-two: prompt: near-duplicate prompt: 95% alike to q-one"]


def test_topic_under_its_minimum():
    bank = write_bank("bank", [choice()], topics=[{**TOPIC, "minimum": 2}])
    assert problems(bank) == ["bank/topics.yaml: alpha: minimum: has 1 question, fewer than its minimum of 2"]
    assert load_bank(bank, check_minimums=False).questions.keys() == {"q-one"}


def test_unknown_topic_names_the_known_ones():
    bank = write_bank("bank", [choice(topic="beta")])
    assert problems(bank) == [f"{F}: q-one: topic: unknown topic 'beta'; known topics: alpha "
                              "(declare new ones in topics.yaml)"]


def test_bad_yaml_names_the_line():
    bank = write_bank("bank", [], raw="- id: q-one\n  prompt: [oops\n  kind: choice\n")
    assert problems(bank) == [f"{F}: is not valid YAML: line 3, column 7: expected ',' or ']', but got ':'"]


def test_a_bad_topic_entry_names_topics_file_id_and_field():
    bank = write_bank("bank", [choice()], topics=[TOPIC, {**TOPIC, "id": "beta", "name": ""}])
    assert problems(bank) == ["bank/topics.yaml: beta: name: must not be empty"]


def test_every_problem_is_reported_at_once():
    bank = write_bank("bank", [choice(answer="Lille"), short(accept=[""]), choice(topic="beta", id="q-three")])
    assert len(problems(bank)) == 3


def test_the_answer_may_be_an_index_and_is_stored_as_the_choice_text():
    by_index = load_bank(write_bank("a", [choice(answer=1)])).questions["q-one"]
    by_text = load_bank(write_bank("b", [choice(answer="Lyon")])).questions["q-one"]
    assert by_index == by_text and by_index.answer == "Lyon" and by_index.correct == 1


def test_a_code_block_in_a_prompt_has_its_own_allowance():
    prompt = "x" * 398 + "?\n```python\n" + "y" * 886 + "\n```"  # 400 characters of text and a 900-character block
    assert load_bank(write_bank("bank", [choice(prompt=prompt)])).questions["q-one"].prompt == prompt


# ------------------------------------------------------------------ what only `content check` asks

LENGTHS = (40, 30, 20, 10)  # option lengths by rank: the longest first


def lopsided(n: int, position, rank, id="g") -> list[dict]:
    """n four-option questions whose answer sits at position(i) and has length rank rank(i)."""
    questions = []
    for i in range(n):
        pos, r = position(i), rank(i)
        others = iter(length for k, length in enumerate(LENGTHS) if k != r)
        lengths = [LENGTHS[r] if k == pos else next(others) for k in range(4)]
        options = [chr(97 + k) * length for k, length in enumerate(lengths)]
        words = hashlib.sha1(f"{id}{i}".encode()).hexdigest()
        questions.append(choice(f"{id}-{i}", prompt=f"{words[:14]} {words[14:28]}?", choices=options, answer=pos))
    return questions


BALANCED = {"position": lambda i: i % 4, "rank": lambda i: (i + i // 4) % 4}


def checked(*folders):
    bank, found, warnings = check_bank(*folders)
    return [str(p) for p in found], [str(w) for w in warnings]


def test_a_balanced_bank_gives_nothing_away():
    assert checked(write_bank("bank", lopsided(40, **BALANCED))) == ([], [])


def test_the_answer_being_the_second_longest_too_often_fails_the_check():
    skewed = lopsided(40, position=BALANCED["position"], rank=lambda i: 1 if i % 3 else 0)
    found, _ = checked(write_bank("bank", skewed))
    assert found == [
        "bank: the correct answer is the 2nd-longest option in 26 of 40 choice questions, expected about 10 "
        "(p = 2e-07): write the distractors to match; for example g-1, g-2, g-4, g-5, g-7, g-8, g-10, g-11, g-13, g-14",
        "bank: the correct answer is the 3rd-longest option in 0 of 40 choice questions, expected about 10 "
        "(p = 2e-05): write the distractors to match",
        "bank: the correct answer is the 4th-longest option in 0 of 40 choice questions, expected about 10 "
        "(p = 2e-05): write the distractors to match",
    ]


def test_the_answer_sitting_at_one_position_too_often_fails_the_check():
    skewed = lopsided(40, position=lambda i: 0 if i % 2 else i % 4, rank=BALANCED["rank"])
    found, _ = checked(write_bank("bank", skewed))
    assert [p.split(" (p = ")[0] for p in found] == [
        "bank: the correct answer is option A in 30 of 40 choice questions, expected about 10",
        "bank: the correct answer is option B in 0 of 40 choice questions, expected about 10",
        "bank: the correct answer is option D in 0 of 40 choice questions, expected about 10"]


def test_ties_in_length_share_the_rank_so_equal_options_are_no_giveaway():
    questions = lopsided(40, **BALANCED)
    for q in questions:  # every option the same length: the answer is "the longest" every time, as any option would be
        q["choices"] = [c[0] * 20 for c in q["choices"]]
    assert checked(write_bank("bank", questions)) == ([], [])


def test_a_small_folder_is_too_small_to_judge():
    always_a = lopsided(29, position=lambda i: 0, rank=lambda i: 0)
    assert checked(write_bank("bank", always_a)) == ([], [])


def test_each_folder_is_judged_on_its_own():
    fair = write_bank("fair", lopsided(40, **BALANCED))
    skewed = write_bank("ours", lopsided(40, position=lambda i: 0, rank=BALANCED["rank"], id="s"), topics=None)
    found, _ = checked(fair, skewed)
    assert found and all(p.startswith("ours: the correct answer is option") for p in found)


def test_the_binomial_tail_is_exact():
    assert _tail(9, [0.5] * 10) == pytest.approx(2 * 11 / 1024)
    assert _tail(5, [0.5] * 10) == 1.0
    assert _tail(0, [0.25] * 4) == pytest.approx(2 * 0.75 ** 4)


MLE = "A coin lands heads 7 times in 10 flips. What is the maximum likelihood estimate of P(heads)?"
MAP = "A coin shows 7 heads in 10 flips. With a Beta(2, 2) prior on P(heads), what is the MAP estimate?"


def test_prompts_sharing_many_words_are_a_warning_naming_both():
    bank = write_bank("bank", [choice("mle", prompt=MLE), choice("map", prompt=MAP), short()])
    assert checked(bank) == ([], [
        f"{F}: map: prompt: shares 44% of its content words with mle: one idea asked twice? "
        "If not, list [mle, map] in reviewed-pairs.yaml"])


def test_a_reviewed_pair_is_not_warned_about_in_either_order():
    bank = write_bank("bank", [choice("mle", prompt=MLE), choice("map", prompt=MAP)])
    (bank / "reviewed-pairs.yaml").write_text("- pair: [map, mle]\n  note: estimate without and with a prior\n")
    assert checked(bank) == ([], [])
    (bank / "reviewed-pairs.yaml").write_text("- [mle, map]\n")
    assert checked(bank) == ([], [])


def test_a_reviewed_pair_naming_a_question_that_is_gone_is_a_warning():
    bank = write_bank("bank", [choice("mle", prompt=MLE), choice("map", prompt=MAP)])
    (bank / "reviewed-pairs.yaml").write_text("- [mle, map]\n- [mle, old-one]\n- [older, old-one]\n")
    assert checked(bank) == ([], [
        "bank/reviewed-pairs.yaml: pair #2: 'old-one' is not a question id any more (renamed or removed?): "
        "fix or remove the pair",
        "bank/reviewed-pairs.yaml: pair #3: 'older' and 'old-one' are not question ids any more (renamed or removed?): "
        "fix or remove the pair"])


def test_a_malformed_reviewed_pairs_file_is_a_problem():
    bank = write_bank("bank", [choice()])
    (bank / "reviewed-pairs.yaml").write_text("- [q-one]\n- pair: [q-one, q-two]\n  nots: typo\n")
    assert checked(bank)[0] == [
        "bank/reviewed-pairs.yaml: pair #1: pair.1: is required",
        "bank/reviewed-pairs.yaml: pair #2: nots: is not a field of this entry (check the spelling, or remove it)"]


def test_the_bundled_reviewed_pairs_file_is_a_list():
    assert isinstance(yaml.safe_load((BUNDLED / "reviewed-pairs.yaml").read_text()), list)


# ------------------------------------------------------------------ extra content folders

def test_an_extra_folder_without_topics_yaml_adds_to_bundled_topics():
    topic = next(iter(load_bank(BUNDLED, check_minimums=False).topics))
    extra = write_bank("ours", [choice("our-own-question", topic=topic, prompt="A question of our very own, zq?")],
                       topics=None)
    bank = load_bank(BUNDLED, extra, check_minimums=False)
    assert bank.questions["our-own-question"].topic == topic


def test_a_missing_or_empty_folder_is_named():
    Path("empty/questions").mkdir(parents=True)
    assert problems("nowhere", "empty", check_minimums=False) == [
        "nowhere: is not a folder (check the path, or STUDYBOT_CONTENT_DIRS)",
        "empty: has no questions/*.yaml files"]


def test_an_extra_folder_cannot_reuse_a_bundled_id():
    bundled = next(iter(load_bank(BUNDLED, check_minimums=False).questions.values()))
    extra = write_bank("ours", [choice(bundled.id, topic=bundled.topic, prompt="A question of our very own, zq?")],
                       topics=None)
    assert [p for p in problems(BUNDLED, extra, check_minimums=False) if "ours/" in p] == [
        f"ours/questions/q.yaml: {bundled.id}: id: duplicate id: already used in "
        f"{BUNDLED / 'questions' / (bundled.topic + '.yaml')}"]


# ------------------------------------------------------------------ CSV

@pytest.mark.parametrize("items", [["P(A|B)", "a | b"], ["back\\slash", "ends\\"], ["\\|", "|"], ["plain"], []])
def test_list_cells_escape_pipes_and_backslashes(items):
    assert split_items(join_items(items)) == items


def test_a_hand_written_backslash_is_kept():
    assert split_items(r"C:\data | P(A\|B)") == ["C:\\data", "P(A|B)"]


def test_csv_export_and_import_round_trip_the_bundled_bank(tmp_path):
    bank = load_bank(BUNDLED, check_minimums=False)
    export_csv(bank, tmp_path / "bank.csv")
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(BUNDLED / "topics.yaml", copy / "topics.yaml")
    import_csv(tmp_path / "bank.csv", copy, standalone=True)
    again = load_bank(copy, check_minimums=False)
    assert again.topics == bank.topics
    assert sorted(again.questions) == sorted(bank.questions)
    for qid, q in bank.questions.items():
        assert again.questions[qid].model_dump() == q.model_dump(), qid
    export_csv(again, tmp_path / "again.csv")
    assert sorted((tmp_path / "again.csv").read_text().splitlines()) == sorted((tmp_path / "bank.csv").read_text().splitlines())


def write_csv(path: str, rows: list[dict]) -> Path:
    import csv
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, restval="")
        writer.writeheader()
        writer.writerows(rows)
    return Path(path)


def row(id="c-one", **changes) -> dict:
    return {"id": id, "topic": "alpha", "kind": "choice", "difficulty": "easy", "prompt": f"Pick the right one ({id})",
            "choices": "Right | Wrong | P(A\\|B)", "answer": "Right", "explanation": "Because.", **changes}


def test_csv_import_writes_yaml_that_loads(tmp_path):
    folder = write_bank("ours", [choice()])
    path = write_csv("new.csv", [row(), row("c-two", tags="x | y", source="general"),
                                 row("c-three", kind="short", choices="", answer="", accept="ridge | l2",
                                     reject="lasso | l1")])
    assert import_csv(path, folder, standalone=True) == [folder / "questions" / "alpha.yaml"]
    bank = load_bank(folder)
    assert list(bank.questions) == ["c-one", "c-two", "c-three", "q-one"]
    assert bank.questions["c-one"].choices == ("Right", "Wrong", "P(A|B)")
    assert bank.questions["c-two"].tags == ("x", "y") and bank.questions["c-three"].accept == ("ridge", "l2")
    assert bank.questions["c-three"].reject == ("lasso", "l1")


def test_a_bad_csv_row_names_file_row_id_and_field_and_writes_nothing(tmp_path):
    folder = write_bank("ours", [choice()])
    before = sorted(p.name for p in (folder / "questions").iterdir())
    path = write_csv("new.csv", [row(), row("c-two", choices="Right | " + "W" * 80), row("c-three", topic="beta"),
                                 row("q-one", prompt="Unique enough, really?")])
    with pytest.raises(ContentError) as exc:
        import_csv(path, folder, standalone=True)
    assert [str(p) for p in exc.value.problems] == [
        "new.csv row 3: c-two: choices.1: at most 75 characters (this one has 80)",
        "new.csv row 4: c-three: topic: unknown topic 'beta'; known topics: alpha (declare new ones in topics.yaml)",
        "new.csv row 5: q-one: id: duplicate id: already used in ours/questions/q.yaml",
    ]
    assert sorted(p.name for p in (folder / "questions").iterdir()) == before


def test_csv_import_checks_against_the_bundled_bank():
    bundled = next(iter(load_bank(BUNDLED, check_minimums=False).questions.values()))
    path = write_csv("new.csv", [row("our-copy", topic=bundled.topic, prompt=bundled.prompt)])
    with pytest.raises(ContentError) as exc:
        import_csv(path, Path("ours"))
    assert [str(p) for p in exc.value.problems] == [
        f"new.csv row 2: our-copy: prompt: duplicate prompt: the same as {bundled.id}"]
    assert not Path("ours").exists()


def test_csv_import_does_not_overwrite_without_replace():
    folder = write_bank("ours", [], raw="[]\n")
    path = write_csv("new.csv", [row()])
    import_csv(path, folder, standalone=True)
    with pytest.raises(ContentError) as exc:
        import_csv(path, folder, standalone=True)
    assert [str(p) for p in exc.value.problems] == [
        "ours/questions/alpha.yaml: already exists; import with --replace to overwrite it"]
    import_csv(write_csv("new.csv", [row(prompt="Changed my mind?")]), folder, standalone=True, replace=True)
    assert load_bank(folder).questions["c-one"].prompt == "Changed my mind?"


def test_a_csv_with_the_wrong_header_is_refused():
    Path("new.csv").write_text("id,topic,prompt,colour\nx,alpha,Why?,red\n")
    with pytest.raises(ContentError) as exc:
        import_csv(Path("new.csv"), Path("ours"), standalone=True)
    assert [str(p) for p in exc.value.problems] == [
        "new.csv: missing column(s) kind, difficulty, choices, answer, accept, reject, key_points, explanation, tags, "
        "source; "
        "unknown column(s) colour; the header must be " + ",".join(COLUMNS)]


# ------------------------------------------------------------------ the CLI

def test_cli_check_ok(capsys):
    write_bank("bank", [choice(), short(), open_()])
    assert main(["content", "check", "bank", "--standalone"]) == 0
    assert capsys.readouterr().out == "OK: 3 questions in 1 topics, no problems.\n"


def test_cli_check_of_the_bundled_bank(capsys):
    assert main(["content", "check"]) == 0
    assert capsys.readouterr().out.startswith("OK: ")


def test_cli_check_prints_warnings_and_still_exits_0(capsys):
    write_bank("bank", [choice("mle", prompt=MLE), choice("map", prompt=MAP)])
    assert main(["content", "check", "bank", "--standalone"]) == 0
    out, err = capsys.readouterr()
    assert out == "OK: 2 questions in 1 topics, no problems. 1 warning(s) to review, above.\n"
    assert err == f"WARNING: {F}: map: prompt: shares 44% of its content words with mle: one idea asked twice? " \
                  "If not, list [mle, map] in reviewed-pairs.yaml\n"


def test_cli_check_fails_a_bank_that_gives_its_answers_away(capsys):
    write_bank("bank", lopsided(40, position=lambda i: 0, rank=BALANCED["rank"]))
    assert main(["content", "check", "bank", "--standalone"]) == 1
    assert "bank: the correct answer is option A in 40 of 40 choice questions" in capsys.readouterr().err


def test_cli_check_of_a_broken_folder_exits_1_and_prints_the_problem(capsys):
    write_bank("bank", [choice(answer="Lille")])
    assert main(["content", "check", "bank", "--standalone"]) == 1
    err = capsys.readouterr().err
    assert "The question bank has 1 problem(s):" in err
    assert f"{F}: q-one: answer: 'Lille' is not among the choices; it must match one exactly" in err


def test_cli_stats_prints_each_topic_with_its_counts(capsys):
    assert main(["content", "stats"]) == 0
    out = capsys.readouterr().out
    bank = load_bank(BUNDLED, check_minimums=False)
    assert out.startswith(f"{len(bank.questions)} questions in {len(bank.topics)} topics")
    assert "by kind:" in out and "by difficulty:" in out
    for topic in bank.topics:
        assert f"\n{topic} " in out


def test_cli_stats_table(capsys):
    write_bank("bank", [choice(), short(), open_()])
    assert main(["content", "stats", "bank", "--standalone"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "3 questions in 1 topics",
        "",
        "by kind:        choice 1 (33%)   short 1 (33%)   open 1 (33%)",
        "by difficulty:  easy 1 (33%)   medium 1 (33%)   hard 1 (33%)",
        "",
        "topic  total  share   choice  short   open   easy medium   hard",
        "---------------------------------------------------------------",
        "alpha      3   100%        1      1      1      1      1      1",
        "---------------------------------------------------------------",
        "all        3   100%        1      1      1      1      1      1",
    ]


def test_cli_export_then_import(capsys):
    write_bank("bank", [choice(), short(), open_()])
    assert main(["content", "export", "bank", "--standalone"]) == 0
    Path("out.csv").write_text(capsys.readouterr().out, newline="")
    write_bank("copy", [], raw="[]\n")
    assert main(["content", "import", "out.csv", "--into", "copy", "--standalone"]) == 0
    assert "copy/questions/alpha.yaml" in capsys.readouterr().out
    assert load_bank("copy").questions == load_bank("bank").questions


def test_cli_import_of_a_bad_csv_exits_1_and_says_nothing_was_written(capsys):
    write_csv("new.csv", [row(answer="Nope")])
    assert main(["content", "import", "new.csv", "--into", "ours"]) == 1
    err = capsys.readouterr().err
    assert "Nothing was imported: new.csv has 1 problem(s):" in err
    assert "new.csv row 2: c-one: answer: 'Nope' is not among the choices; it must match one exactly" in err
    assert not Path("ours").exists()
