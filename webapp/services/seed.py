"""Demo organisations (the covenant's signatories) and demo users for every role."""

from __future__ import annotations

from sqlalchemy import select

from webapp.domain.roles import Role
from webapp.persistence.models import Membership, Organisation, User
from webapp.services.context import ServiceContext
from webapp.services.users import hash_password

ORGANISATIONS: list[tuple[str, str, str]] = [
    ("leudal", "Gemeente Leudal", "gemeente"),
    ("nederweert", "Gemeente Nederweert", "gemeente"),
    ("weert", "Gemeente Weert", "gemeente"),
    ("bjz-limburg", "Bureau Jeugdzorg Limburg", "ketenpartner"),
    ("cjg-midden-limburg", "Centrum voor Jeugd en Gezin Midden-Limburg", "ketenpartner"),
    ("met-ggz", "MET ggz", "ketenpartner"),
    ("mutsaersstichting", "Mutsaersstichting", "ketenpartner"),
    ("psw", "Pedagogisch Sociaal Werk (PSW)", "ketenpartner"),
    ("rubicon", "Rubicon Jeugdzorg", "ketenpartner"),
    ("koraal", "Stichting Koraal", "ketenpartner"),
    ("vincent-van-gogh", "Vincent van Gogh", "ketenpartner"),
    ("william-schrikker", "William Schrikkergroep", "ketenpartner"),
    ("pgz", "Zorgverlening PGZ", "ketenpartner"),
]

DEMO_PASSWORD = "ketenflow-demo"  # noqa: S105 - demo accounts only, printed in the README

# username, display name, [(organisation code, role)]
DEMO_USERS: list[tuple[str, str, list[tuple[str, Role]]]] = [
    ("hulpverlener", "Sanne Hulpverlener", [("weert", Role.PROFESSIONAL)]),
    ("collega", "Daan Collega", [("weert", Role.PROFESSIONAL)]),
    (
        "aandacht",
        "Fatima Aandachtsfunctionaris",
        [("weert", Role.AANDACHTSFUNCTIONARIS), ("weert", Role.PROFESSIONAL)],
    ),
    ("voorzitter", "Peter Voorzitter", [("weert", Role.VOORZITTER)]),
    ("fg", "Ingrid FG", [("weert", Role.FG)]),
    ("procesbeheer", "Omar Procesbeheerder", [("weert", Role.PROCESS_OWNER)]),
    ("manager", "Mila Teamleider", [("weert", Role.MANAGER)]),
    ("beheerder", "Kees Beheerder", [("weert", Role.ADMIN)]),
    ("rubicon", "Lotte Rubicon", [("rubicon", Role.PROFESSIONAL)]),
    ("fg.rubicon", "Ahmed FG Rubicon", [("rubicon", Role.FG)]),
    ("manager.rubicon", "Eva Teamleider Rubicon", [("rubicon", Role.MANAGER)]),
]


def seed_demo(ctx: ServiceContext, password: str = DEMO_PASSWORD) -> tuple[int, int]:
    """Create what is missing; returns how many organisations and users were added."""
    added_orgs = added_users = 0
    with ctx.db.write() as session:
        orgs = {o.code: o for o in session.execute(select(Organisation)).scalars()}
        for code, name, kind in ORGANISATIONS:
            if code not in orgs:
                orgs[code] = Organisation(code=code, name=name, kind=kind)
                session.add(orgs[code])
                added_orgs += 1
        session.flush()
        existing = set(session.execute(select(User.username)).scalars())
        password_hash = hash_password(password)
        for username, display_name, memberships in DEMO_USERS:
            if username in existing:
                continue
            user = User(
                username=username,
                display_name=display_name,
                password_hash=password_hash,
                email=f"{username}@example.org",
                created_at=ctx.clock.now(),
            )
            user.memberships = [
                Membership(organisation_id=orgs[code].id, role=role.value) for code, role in memberships
            ]
            session.add(user)
            added_users += 1
    return added_orgs, added_users
