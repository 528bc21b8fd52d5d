"""Guided diagnosis steps: parsing in the loader, the graph check, the ticket's record."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.catalog.diagnosis import (
    Diagnosis,
    DiagnosisRecord,
    DiagnosisStep,
    GraphProblem,
    check_graph,
)
from bot.catalog.loader import CATALOG_DIR, CatalogueError, load_catalogue
from bot.trainer.diagnosis_checks import diagnosis_problems

FAULTS = """\
diagnosis_record:
  note: "（已排查：{steps}）"
  step: "{question}{answer}"
  answered_yes: 是
  answered_no: 否
  separator: "；"
faults:
  - id: charging
    name: 充电问题
    keywords: [充电]
    self_help: [换根线试试。]
    diagnosis:
      - id: cable
        question: 换一根原装线，能充进电吗？
        yes: solved
        no: port
      - id: port
        question: 清理充电口后能充进电吗？
        "yes": solved
        "no": repair
  - id: other
    name: 其他问题
"""


def step(step_id: str, yes: str, no: str) -> DiagnosisStep:
    return DiagnosisStep(step_id, f"{step_id}?", yes, no)


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    """A catalogue with the project's devices and service types and ``FAULTS``."""
    for name in ("devices.yml", "service_types.yml"):
        shutil.copy(CATALOG_DIR / name, tmp_path / name)
    (tmp_path / "faults.yml").write_text(FAULTS, encoding="utf-8")
    return tmp_path


def write(catalog_dir: Path, text: str) -> None:
    (catalog_dir / "faults.yml").write_text(text, encoding="utf-8")


def test_steps_are_read_with_plain_and_quoted_yes_no_keys(catalog_dir: Path) -> None:
    charging = load_catalogue(catalog_dir, fresh=True).fault("charging")
    assert charging is not None
    assert charging.diagnosis.steps == (
        DiagnosisStep("cable", "换一根原装线，能充进电吗？", "solved", "port"),
        DiagnosisStep("port", "清理充电口后能充进电吗？", "solved", "repair"),
    )
    assert charging.diagnosis.first == charging.diagnosis.steps[0]
    assert charging.diagnosis.step("port") is charging.diagnosis.steps[1]
    assert charging.diagnosis.step("nope") is None
    other = load_catalogue(catalog_dir, fresh=True).fault("other")
    assert other is not None and not other.diagnosis and other.diagnosis.first is None


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("        no: port\n", "", "step #1: missing 'no'"),
        ("        question: 换一根原装线，能充进电吗？\n", "", "step #1: missing 'question'"),
        ("      - id: port\n", "      - id: cable\n", "duplicate step id 'cable'"),
        ("      - id: port\n", "      - id: repair\n", "'repair' ends a diagnosis"),
        (
            "    diagnosis:\n      - id: cable",
            "    diagnosis: cable\n    x:\n      - id: c",
            "list",
        ),
    ],
)
def test_a_malformed_step_is_refused(catalog_dir: Path, old: str, new: str, message: str) -> None:
    assert old in FAULTS
    write(catalog_dir, FAULTS.replace(old, new, 1))
    with pytest.raises(CatalogueError, match=message):
        load_catalogue(catalog_dir, fresh=True)


def test_a_bad_record_placeholder_is_refused(catalog_dir: Path) -> None:
    write(catalog_dir, FAULTS.replace("{question}{answer}", "{question}{result}"))
    with pytest.raises(CatalogueError, match="diagnosis_record: bad placeholder"):
        load_catalogue(catalog_dir, fresh=True)


def test_the_record_lists_the_steps_tried_after_the_description(catalog_dir: Path) -> None:
    catalogue = load_catalogue(catalog_dir, fresh=True)
    charging = catalogue.fault("charging")
    assert charging is not None
    cable, port = charging.diagnosis.steps
    record = catalogue.diagnosis_record
    assert record.render("充不进电", [(cable, "no"), (port, "no")]) == (
        "充不进电（已排查：换一根原装线，能充进电吗？否；清理充电口后能充进电吗？否）"
    )
    assert record.render("充不进电", []) == "充不进电"
    assert DiagnosisRecord().render("x", [(cable, "yes")]) == "x (换一根原装线，能充进电吗？ yes)"


def test_a_sound_graph_has_no_problems() -> None:
    diagnosis = Diagnosis(
        (step("a", "b", "c"), step("b", "solved", "c"), step("c", "solved", "repair"))
    )
    assert check_graph(diagnosis) == []
    assert check_graph(Diagnosis()) == []


def test_an_answer_leading_nowhere_is_found() -> None:
    diagnosis = Diagnosis((step("a", "solved", "b"), step("b", "solved", "fixed")))
    assert check_graph(diagnosis) == [GraphProblem("unknown_step", "b", "no", "fixed")]


def test_a_step_no_path_reaches_is_found() -> None:
    diagnosis = Diagnosis((step("a", "solved", "repair"), step("b", "solved", "repair")))
    assert check_graph(diagnosis) == [GraphProblem("unreachable", "b")]


def test_a_cycle_is_found_once_with_its_path() -> None:
    diagnosis = Diagnosis((step("a", "solved", "b"), step("b", "c", "repair"), step("c", "a", "b")))
    assert check_graph(diagnosis) == [
        GraphProblem("cycle", "a", target="a -> b -> c -> a"),
        GraphProblem("cycle", "b", target="b -> c -> b"),
    ]
    assert check_graph(Diagnosis((step("a", "a", "repair"),))) == [
        GraphProblem("cycle", "a", target="a -> a")
    ]


def test_the_shipped_diagnoses_are_sound_and_cover_the_common_faults() -> None:
    catalogue = load_catalogue(fresh=True)
    for fault_id in ("charging", "battery", "network", "system", "audio", "camera", "screen"):
        fault = catalogue.fault(fault_id)
        assert fault is not None and fault.diagnosis, fault_id
        assert check_graph(fault.diagnosis) == [], fault_id
    water = catalogue.fault("water_damage")
    assert water is not None and not water.diagnosis and water.self_help
    assert diagnosis_problems(catalogue) == []


def test_validate_words_each_problem_for_the_trainer(catalog_dir: Path) -> None:
    broken = FAULTS.replace("        no: port\n", "        no: porte\n")
    write(catalog_dir, broken)
    problems = diagnosis_problems(load_catalogue(catalog_dir, fresh=True))
    assert problems == [
        "故障 charging（充电问题）：诊断步骤 cable 回答 no 后要去的步骤“porte”不存在："
        "请写另一个步骤的 id、solved（已解决）或 repair（继续报修）。",
        "故障 charging（充电问题）：诊断步骤 port 从第一步走不到，永远不会被问到："
        "请让某个步骤的 yes 或 no 指向它，或删掉它。",
    ]
    write(catalog_dir, FAULTS.replace('"no": repair', '"no": cable'))
    [cycle] = diagnosis_problems(load_catalogue(catalog_dir, fresh=True))
    assert "cable -> port -> cable" in cycle


def test_devices_say_whether_they_have_a_maintenance_mode() -> None:
    catalogue = load_catalogue(fresh=True)
    twelve, nine = catalogue.device("oneplus-12"), catalogue.device("oneplus-9")
    assert twelve is not None and twelve.maintenance_mode
    assert nine is not None and not nine.maintenance_mode


def test_make_validate_reports_a_broken_graph_as_an_error(
    catalog_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.trainer import validate

    write(catalog_dir, FAULTS.replace('"no": repair', '"no": cable'))
    broken = load_catalogue(catalog_dir, fresh=True)
    monkeypatch.setattr(validate, "load_catalogue", lambda fresh=False: broken)

    errors = [f.message for f in validate.run_checks() if f.level == validate.ERROR]

    assert any("cable -> port -> cable" in message for message in errors)
