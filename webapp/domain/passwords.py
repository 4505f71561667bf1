"""The password policy: pure rules, so that the web form, the services and the tests share one answer.

Length is what makes a password strong (NIST SP 800-63B): at least 12 characters, no composition rules, but
not the person's own name and not one of the passwords every attacker tries first. The upper bound keeps
argon2 from hashing megabytes on purpose.
"""

from __future__ import annotations

from webapp.domain.messages import N_, Message

MIN_LENGTH = 12
MAX_LENGTH = 256

# The first guesses of every password list, plus the obvious local ones. Compared case-insensitively and
# ignoring spaces, so "Welkom 2024!" counts too.
COMMON_PASSWORDS = frozenset(
    {
        "123456789012",
        "1234567890123",
        "qwertyuiopas",
        "aaaaaaaaaaaa",
        "passwordpassword",
        "password1234",
        "password123!",
        "wachtwoord12",
        "wachtwoord123",
        "wachtwoord1234",
        "wachtwoord123!",
        "welkom123456",
        "welkomwelkom",
        "welkom2024!!",
        "welkom2025!!",
        "welkom2026!!",
        "zomer2025!!!",
        "winter2025!!",
        "iloveyou1234",
        "letmein12345",
        "administrator",
        "administrator1",
        "ketenflow123",
        "ketenflow1234",
        "ketenflow-demo",
        "gemeente1234",
        "gemeenteweert",
        "jeugdzorg1234",
        "geheimgeheim",
        "changeme1234",
        "qwerty123456",
        "abcdefghijkl",
        "abc123abc123",
        "trustno1trustno1",
        "football1234",
        "superman1234",
        "baseball1234",
        "monkey123456",
        "dragon123456",
        "sunshine1234",
        "princess1234",
    }
)


def _normalised(text: str) -> str:
    return "".join(text.split()).casefold()


def password_problems(password: str, *, username: str = "", display_name: str = "") -> list[str]:
    """Everything wrong with ``password`` as Dutch messages; empty when it may be used."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(Message("Kies een wachtwoord van minstens {n} tekens.", n=MIN_LENGTH))
    if len(password) > MAX_LENGTH:
        problems.append(Message("Een wachtwoord mag hoogstens {n} tekens lang zijn.", n=MAX_LENGTH))
    plain = _normalised(password)
    own_names = {_normalised(name) for name in (username, display_name) if name.strip()}
    if plain and any(plain == name or (len(name) >= 4 and name in plain) for name in own_names):
        problems.append(N_("Uw wachtwoord mag uw gebruikersnaam of naam niet bevatten."))
    if plain in COMMON_PASSWORDS:
        problems.append(
            N_("Dit wachtwoord is te bekend; aanvallers proberen het als eerste. Kies een ander.")
        )
    return problems
