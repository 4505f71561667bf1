"""The password policy: length bounds, the person's own names, the passwords every attacker tries first."""

from __future__ import annotations

import pytest

from webapp.domain.passwords import MAX_LENGTH, MIN_LENGTH, password_problems


def test_a_long_unusual_password_is_fine() -> None:
    assert (
        password_problems("paard batterij nietje", username="sanne", display_name="Sanne Hulpverlener") == []
    )


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("kort-ww", "Kies een wachtwoord van minstens 12 tekens."),
        ("x" * (MAX_LENGTH + 1), "Een wachtwoord mag hoogstens 256 tekens lang zijn."),
        ("Welkom 2025!!", "Dit wachtwoord is te bekend; aanvallers proberen het als eerste. Kies een ander."),
        ("WACHTWOORD123", "Dit wachtwoord is te bekend; aanvallers proberen het als eerste. Kies een ander."),
        ("hulpverlener", "Uw wachtwoord mag uw gebruikersnaam of naam niet bevatten."),
        ("Sanne Hulpverlener", "Uw wachtwoord mag uw gebruikersnaam of naam niet bevatten."),
        ("ikbenhulpverlener2026", "Uw wachtwoord mag uw gebruikersnaam of naam niet bevatten."),
    ],
)
def test_refused_passwords_say_why_in_dutch(password: str, expected: str) -> None:
    problems = password_problems(password, username="hulpverlener", display_name="Sanne Hulpverlener")
    assert expected in problems


def test_the_bounds_are_inclusive() -> None:
    assert password_problems("a9!" * 4) == []
    assert len("a9!" * 4) == MIN_LENGTH
    assert password_problems("b" * 11 + "c" * (MAX_LENGTH - 11)) == []
    assert password_problems("a9!" * 4, username="a9!a9!") == [
        "Uw wachtwoord mag uw gebruikersnaam of naam niet bevatten."
    ]


def test_a_short_password_made_of_the_name_gets_both_reasons() -> None:
    assert len(password_problems("fg", username="fg")) == 2
