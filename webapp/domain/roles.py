"""The roles of DESIGN.md section 3 and how BPMN lane names map onto them."""

from __future__ import annotations

from enum import StrEnum

from webapp.domain.messages import N_


class Role(StrEnum):
    PROFESSIONAL = "professional"
    AANDACHTSFUNCTIONARIS = "aandachtsfunctionaris"
    VOORZITTER = "voorzitter"
    FG = "fg"
    PROCESS_OWNER = "process_owner"
    MANAGER = "manager"
    ADMIN = "admin"


ROLE_LABELS: dict[Role, str] = {
    Role.PROFESSIONAL: N_("Professional"),
    Role.AANDACHTSFUNCTIONARIS: N_("Aandachtsfunctionaris"),
    Role.VOORZITTER: N_("Voorzitter"),
    Role.FG: N_("Functionaris gegevensbescherming"),
    Role.PROCESS_OWNER: N_("Procesbeheerder"),
    Role.MANAGER: N_("Manager"),
    Role.ADMIN: N_("Beheerder"),
}

# Lane names as process owners write them in a modeler: the role code, its Dutch label or a common synonym.
_LANE_ALIASES: dict[str, Role] = {
    "hulpverlener": Role.PROFESSIONAL,
    "consulent": Role.PROFESSIONAL,
    "initiatiefnemer": Role.PROFESSIONAL,
    "functionaris gegevensbescherming": Role.FG,
    "privacy officer": Role.FG,
    "procesbeheerder": Role.PROCESS_OWNER,
    "process owner": Role.PROCESS_OWNER,
    "teamleider": Role.MANAGER,
    "beheerder": Role.ADMIN,
}

# A user task outside every lane goes to the professionals of the owning organisation.
DEFAULT_TASK_ROLE = Role.PROFESSIONAL


def role_for_lane(lane: str | None) -> Role | None:
    """The role that owns a lane, or None when the lane name is not a known role."""
    if lane is None or not lane.strip():
        return DEFAULT_TASK_ROLE
    key = " ".join(lane.strip().lower().replace("_", " ").split())
    for role in Role:
        if key in (role.value.replace("_", " "), ROLE_LABELS[role].lower()):
            return role
    return _LANE_ALIASES.get(key)
