"""parse_rating: scores from buttons, digits, stars and words."""

import pytest

from bot.intake.rating import parse_rating


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("5", 5),
        ("1", 1),
        (" 3 ", 3),
        ("５", 5),
        ("4分", 4),
        ("打4分", 4),
        ("给5星", 5),
        ("五星", 5),
        ("三颗星吧", 3),
        ("还行吧3分", 3),
        ("两分", 2),
        ("非常满意", 5),
        ("满意", 4),
        ("不满意", 2),
        ("非常不满意", 1),
        ("很差，1分", 1),
        ("一般般", 3),
        ("满分", 5),
        ("十分满意", 5),
        ("服务不错", 4),
    ],
)
def test_scores(text, score):
    assert parse_rating(text) == score


@pytest.mark.parametrize("text", ["", "   ", "0", "6", "10分", "0分", "12", "你好", "一加12"])
def test_no_score(text):
    assert parse_rating(text) is None
