# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What AWX does with a job template's survey, for tests without an AWX: the checks it makes when
the survey spec is saved (POST /api/v2/job_templates/N/survey_spec/), and the extra variables a
launch gets from the answers (unanswered questions take their default, answers are checked against
the question's type, length or range, and choices)."""

from __future__ import annotations

QUESTION_TYPES = {"text": str, "textarea": str, "password": str, "integer": int, "float": (int, float),
                  "multiplechoice": str, "multiselect": (str, list)}


def survey_spec_errors(spec: dict) -> list[str]:
    """Why AWX would refuse this survey spec; empty when it would accept it."""
    errors = [f"{key}: must be a {kind.__name__}" for key, kind in (("name", str), ("description", str), ("spec", list))
              if not isinstance(spec.get(key), kind)]
    if errors:
        return errors
    if not spec["spec"]:
        return ["spec: has no questions"]
    variables = set()
    for index, question in enumerate(spec["spec"]):
        where = f"spec[{index}]"
        for key, kind in (("type", str), ("question_name", str), ("variable", str), ("required", bool)):
            if not isinstance(question.get(key), kind):
                errors.append(f"{where}.{key}: must be a {kind.__name__}")
        if question.get("variable") in variables:
            errors.append(f"{where}.variable: {question.get('variable')!r} is asked twice")
        variables.add(question.get("variable"))
        qtype = question.get("type")
        if qtype not in QUESTION_TYPES:
            errors.append(f"{where}.type: {qtype!r} is not one of {sorted(QUESTION_TYPES)}")
            continue
        default = question.get("default", "")
        if isinstance(default, bool) or (default != "" and not isinstance(default, QUESTION_TYPES[qtype])):
            errors.append(f"{where}.default: {default!r} does not suit a {qtype} question")
        for limit in ("min", "max"):
            if question.get(limit) is not None and not isinstance(question[limit], int):
                errors.append(f"{where}.{limit}: must be an integer")
        if qtype in ("multiplechoice", "multiselect"):
            if "choices" not in question:
                errors.append(f"{where}.choices: a {qtype} question needs choices")
            elif default != "" and any(choice not in choices(question) for choice in _as_list(default)):
                errors.append(f"{where}.default: {default!r} is not among the choices")
    return errors


def choices(question: dict) -> list[str]:
    """The choices of a multiple-choice question, given as a list or as lines (AWX takes both)."""
    return [choice for choice in _as_list(question["choices"]) if choice.strip()]


def _as_list(value):
    return value.splitlines() if isinstance(value, str) else list(value)


def survey_extra_vars(spec: dict, answers: dict) -> dict:
    """The extra variables of a launch with these answers; raises ValueError as AWX refuses a launch."""
    extra_vars = {}
    for question in spec["spec"]:
        name = question["variable"]
        if name in answers:
            value = answers[name]
        elif "default" in question and question["default"] != "":
            value = question["default"]
        elif question["required"]:
            raise ValueError(f"'{name}' value missing")
        elif question["type"] in ("text", "textarea", "password"):
            value = question.get("default", "")
        else:
            continue
        _check_answer(question, value)
        extra_vars[name] = value
    return extra_vars


def _check_answer(question, value):
    name, qtype = question["variable"], question["type"]
    if not isinstance(value, QUESTION_TYPES[qtype]) or isinstance(value, bool):
        raise ValueError(f"Value {value!r} for '{name}' expected to be a {qtype}")
    if qtype in ("text", "textarea", "password"):
        measure, what = len(value), "length"
    elif qtype in ("integer", "float"):
        measure, what = value, "value"
    else:
        if any(choice not in choices(question) for choice in _as_list(value)):
            raise ValueError(f"Value {value!r} for '{name}' expected to be one of {choices(question)}")
        return
    if question.get("min") is not None and measure < question["min"]:
        raise ValueError(f"'{name}' {what} {measure} is below the minimum {question['min']}")
    if question.get("max") is not None and measure > question["max"]:
        raise ValueError(f"'{name}' {what} {measure} is above the maximum {question['max']}")
