"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json.

It is written by hand, next to the routes, and the contract tests (tests/web/test_api_contract.py) hold
the two together: every route is in the document, every operation answers as documented (schemathesis).
"""

from __future__ import annotations

from typing import Any

INT_MAX = 2_147_483_647  # the largest id a database integer column holds
PROCESS_ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$"

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": [kind, "null"], **extra}


def _object(
    properties: dict[str, Any], *, closed: bool = True, optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


def _answer(description: str, schema: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description, "content": {_JSON: {"schema": _ref(schema)}}}
    if headers:
        answer["headers"] = headers
    return answer


_ERRORS = {
    "400": "De inhoud van het verzoek heeft niet de beschreven vorm (geen JSON, onbekende of ontbrekende "
    "velden).",
    "401": "Geen, een onbekend, een verlopen of een ingetrokken token.",
    "403": "U heeft niet de rol of organisatie die hiervoor nodig is; de weigering staat in het auditlog.",
    "404": "Dit onderdeel bestaat niet.",
    "409": "De taak is al afgerond of vervallen, de procedure is intussen gewijzigd, of de procedure liep "
    "vast nadat de gegevens waren opgeslagen.",
    "422": "De gegevens passen niet bij het formulier van de taak; 'velden' zegt per veld wat er mis is.",
    "429": "Te veel aanroepen: per token (of, zonder geldig token, per adres) geldt een maximum per minuut.",
}
_AUTH_HEADER = {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}}
_RETRY_HEADER = {
    "Retry-After": {"schema": {"type": "string"}, "description": "Na hoeveel seconden het weer mag."}
}


def _errors(*codes: str) -> dict[str, Any]:
    answers = {}
    for code in ("401", *codes, "429"):
        headers = {"401": _AUTH_HEADER, "429": _RETRY_HEADER}.get(code)
        answers[code] = _answer(_ERRORS[code], "Fout", headers)
    return answers


def _id(name: str, what: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": what,
        "schema": {"type": "integer", "minimum": 1, "maximum": INT_MAX},
    }


_PROCESS_ID = {
    "name": "process_id",
    "in": "path",
    "required": True,
    "description": "De id van de procedure, zoals GET /processes die noemt (bijvoorbeeld data_breach).",
    "schema": {"type": "string", "pattern": PROCESS_ID_PATTERN},
    "example": "data_breach",
}


def _links(**targets: tuple[str, str, str]) -> dict[str, Any]:
    """OpenAPI links: what a client (and the stateful contract test) can call next with an answer's ids."""
    return {
        name: {"operationId": operation, "parameters": {parameter: f"$response.body#{pointer}"}}
        for name, (operation, parameter, pointer) in targets.items()
    }


_NEXT_TASK = ("readTask", "task_id", "/volgende_taak_id")
_INSTANCE = ("readInstance", "instance_id", "/instantie_id")


def _body(schema: str) -> dict[str, Any]:
    return {"required": True, "content": {_JSON: {"schema": _ref(schema)}}}


_TASK = _object(
    {
        "id": {"type": "integer"},
        "naam": {"type": "string"},
        "procedure": {"type": "string", "description": "De naam van de procedure."},
        "instantie_id": {"type": "integer"},
        "zaakreferentie": _nullable("string"),
        "organisatie": {"type": "string"},
        "rol": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "completed", "cancelled"]},
        "toegewezen_aan": _nullable("string"),
        "aan_mij_toegewezen": {"type": "boolean"},
        "termijn": _nullable("string", format="date-time", description="De wettelijke termijn (UTC)."),
        "termijnregel": _nullable("string", description="De regel die de termijn bepaalde."),
        "aangemaakt_op": {"type": "string", "format": "date-time"},
        "afgerond_op": _nullable("string", format="date-time"),
        "afgerond_door": _nullable("string"),
    }
)

_SCHEMAS: dict[str, Any] = {
    "Fout": _object(
        {
            "fout": {"type": "string", "description": "Wat er mis is, in het Nederlands."},
            "velden": {"type": "object", "additionalProperties": {"type": "string"}},
        }
    ),
    "Taak": _TASK,
    "Taken": _object({"taken": {"type": "array", "items": _ref("Taak")}}),
    "TaakFormulier": _object(
        {
            "taak": _ref("Taak"),
            "instructies": {"type": "string"},
            "schema": _nullable("object", description="Het JSON Schema (2020-12) van het formulier."),
            "uischema": _nullable("object"),
            "gegevens": {
                "type": "object",
                "description": "Uw concept als u er een bewaarde, anders wat de zaak al invulde voor de "
                "velden van dit formulier.",
            },
        }
    ),
    "Afronden": _object(
        {
            "gegevens": {
                "type": "object",
                "description": "De antwoorden, per veld van het formulier. Een veld dat u weglaat houdt zijn "
                "waarde.",
            },
            "leegmaken": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Velden van het formulier die u leeg wilt maken.",
            },
        },
        optional=("leegmaken",),
    ),
    "Concept": _object(
        {
            "gegevens": {
                "type": "object",
                "description": "De antwoorden tot nu toe, per veld van het formulier.",
            }
        }
    ),
    "ConceptBewaard": _object({"taak_id": {"type": "integer"}, "gegevens": {"type": "object"}}),
    "Afgerond": _object(
        {
            "instantie_id": {"type": "integer"},
            "volgende_taak_id": _nullable("integer", description="Een volgende taak die u zelf mag doen."),
            "procedure_afgerond": {"type": "boolean"},
        }
    ),
    "Procedure": _object(
        {
            "procedure_id": {"type": "string"},
            "naam": {"type": "string"},
            "versie": {"type": "integer"},
            "organisaties": {
                "type": "array",
                "items": _object({"id": {"type": "integer"}, "naam": {"type": "string"}}),
            },
        }
    ),
    "Procedures": _object({"procedures": {"type": "array", "items": _ref("Procedure")}}),
    "Starten": _object(
        {
            "organisatie_id": {
                "type": "integer",
                "minimum": 1,
                "maximum": INT_MAX,
                "description": "Voor welke organisatie; mag weg als u de procedure voor één organisatie mag "
                "starten.",
            }
        },
        optional=("organisatie_id",),
    ),
    "Gestart": _object(
        {
            "instantie_id": {"type": "integer"},
            "volgende_taak_id": _nullable("integer", description="De eerste taak, als u die zelf mag doen."),
        }
    ),
    "Instantie": _object(
        {
            "id": {"type": "integer"},
            "procedure": {"type": "string"},
            "versie": {"type": "integer"},
            "organisatie": {"type": "string"},
            "zaakreferentie": _nullable("string"),
            "status": {"type": "string"},
            "gestart_op": {"type": "string", "format": "date-time"},
            "gestart_door": _nullable("string"),
            "beeindigd_op": _nullable("string", format="date-time"),
            "eerstvolgende_termijn": _nullable("string", format="date-time"),
            "laatste_fout": _nullable("string"),
            "taken": {"type": "array", "items": _ref("Taak")},
        }
    ),
}

_TASK_ID = _id("task_id", "De id van de taak.")
_INSTANCE_ID = _id("instance_id", "De id van de procedure-instantie.")

_PATHS: dict[str, Any] = {
    "/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "Dit document",
            "security": [],
            "responses": {"200": {"description": "Het OpenAPI-document", "content": {_JSON: {"schema": {}}}}},
        }
    },
    "/tasks": {
        "get": {
            "operationId": "listTasks",
            "summary": "Mijn taken: open taken van mijn rollen en organisaties, en taken die aan mij zijn "
            "toegewezen",
            "responses": {
                "200": {
                    **_answer("De taken, de vroegste termijn eerst", "Taken"),
                    "links": _links(EersteTaak=("readTask", "task_id", "/taken/0/id")),
                },
                **_errors(),
            },
        }
    },
    "/tasks/{task_id}": {
        "get": {
            "operationId": "readTask",
            "summary": "Een taak met het JSON Schema van haar formulier en de gegevens die de zaak al heeft",
            "parameters": [_TASK_ID],
            "responses": {
                "200": {
                    **_answer("De taak en haar formulier", "TaakFormulier"),
                    "links": _links(
                        Instantie=("readInstance", "instance_id", "/taak/instantie_id"),
                        Afronden=("completeTask", "task_id", "/taak/id"),
                    ),
                },
                **_errors("403", "404"),
            },
        }
    },
    "/tasks/{task_id}/draft": {
        "put": {
            "operationId": "saveDraft",
            "summary": "Antwoorden als concept bewaren, zonder controle en zonder de taak af te ronden",
            "description": "Alleen u ziet het concept (GET /tasks/{task_id} geeft het terug). Een taak die "
            "niemand heeft opgepakt, pakt u hiermee op.",
            "parameters": [_TASK_ID],
            "requestBody": _body("Concept"),
            "responses": {
                "200": _answer("Bewaard", "ConceptBewaard"),
                **_errors("400", "403", "404", "409", "422"),
            },
        }
    },
    "/tasks/{task_id}/complete": {
        "post": {
            "operationId": "completeTask",
            "summary": "Een taak afronden met de antwoorden op haar formulier",
            "parameters": [_TASK_ID],
            "requestBody": _body("Afronden"),
            "responses": {
                "200": {
                    **_answer("Afgerond", "Afgerond"),
                    "links": _links(VolgendeTaak=_NEXT_TASK, Instantie=_INSTANCE),
                },
                **_errors("400", "403", "404", "409", "422"),
            },
        }
    },
    "/processes": {
        "get": {
            "operationId": "listProcesses",
            "summary": "De procedures die ik mag starten, met de organisaties waarvoor",
            "responses": {
                "200": {
                    **_answer("De procedures", "Procedures"),
                    "links": {
                        "Starten": {
                            "operationId": "startProcess",
                            "parameters": {"process_id": "$response.body#/procedures/0/procedure_id"},
                            "requestBody": {
                                "organisatie_id": "$response.body#/procedures/0/organisaties/0/id"
                            },
                        }
                    },
                },
                **_errors(),
            },
        }
    },
    "/processes/{process_id}/instances": {
        "post": {
            "operationId": "startProcess",
            "summary": "Een procedure starten, bijvoorbeeld een datalekmelding of een verzoek van een "
            "betrokkene",
            "parameters": [_PROCESS_ID],
            "requestBody": {**_body("Starten"), "required": False},
            "responses": {
                "201": {
                    **_answer(
                        "Gestart",
                        "Gestart",
                        {
                            "Location": {
                                "schema": {"type": "string"},
                                "description": "Het adres van de instantie",
                            }
                        },
                    ),
                    "links": _links(EersteTaak=_NEXT_TASK, Instantie=_INSTANCE),
                },
                **_errors("400", "403", "404", "422"),
            },
        }
    },
    "/instances/{instance_id}": {
        "get": {
            "operationId": "readInstance",
            "summary": "De stand van een procedure-instantie en haar termijnen",
            "parameters": [_INSTANCE_ID],
            "responses": {"200": _answer("De instantie", "Instantie"), **_errors("403", "404")},
        }
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Ketenflow API",
        "version": "1",
        "description": "Voor systemen van ketenpartners en scripts. Meld u aan met een persoonlijk "
        "toegangstoken (Authorization: Bearer kf_…), dat u aanmaakt op de pagina API-tokens. Elke aanroep "
        "volgt dezelfde toegangsregels als de pagina's en komt in het auditlog. Fouten hebben altijd de vorm "
        '{"fout": "…", "velden": {…}}. Tijden zijn ISO 8601 in UTC.',
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"token": []}],
    "paths": _PATHS,
    "components": {
        "securitySchemes": {
            "token": {"type": "http", "scheme": "bearer", "bearerFormat": "kf_<willekeurig>"},
        },
        "schemas": _SCHEMAS,
    },
}
