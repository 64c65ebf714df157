"""Job titles, read into a seniority, a department and a function.

``parse_title`` turns the free text people type into a job-title field into a small
``JobTitle`` value in a fixed vocabulary, so that personas and scoring rules can say
``department == 'marketing'`` instead of guessing at spellings.

>>> title = parse_title("VP of Mktg & Demand Gen")
>>> title.seniority, title.department, title.function
('vp', 'marketing', 'demand generation')
>>> parse_title("Assistant to the CEO").seniority
'entry'
>>> parse_title("Jefe de Ventas")
JobTitle(seniority='manager', department='sales', raw='Jefe de Ventas', function=None)

How a title is read:

- Only the first ``MAX_TITLE_CHARS`` characters are read (and kept in ``raw``). They are
  lower-cased, stripped of accents ("Geschäftsführer", "Geschaeftsfuehrer" and "GESCHAFTSFUHRER"
  read alike) and split into words at anything that is not a letter or a digit. Multi-word
  phrases ("product marketing", "chef de projet") are matched before single words, longest
  first; German compounds ("Vertriebsleiter", "Softwareentwicklerin") are read as their parts.
- **Seniority** is the rank the title states, not a judgement about the job: any "Manager" is
  ``manager`` (Account Manager and Product Manager included), "Lead" and "Team Lead" are
  ``manager`` ("Lead Generation" is not a rank), "Head of" is ``director``. When several
  ranks are named the highest wins, in the order
  ``owner > c-level > vp > director > manager > entry > individual``: "CEO & Co-Founder" is
  ``owner``. Entry sits above individual so that "Junior Developer" is ``entry``.
- Ranks that are someone else's do not count. After "to", and after an assistant word followed
  by "of"/"der"/"de"/..., ranks are ignored but departments still count: "Assistant to the
  CEO" is ``entry``, ``executive``. "Assistant Vice President", "Assistant Director" and
  "Assistant Manager" keep their rank. Nothing after "former", "ex" or "retired" is read.
- ``c-level``: chiefs with "Officer" and "Chief Executive" ("Chief of Staff" has no rank, "Chief
  Architect" is an individual), presidents, chairs, boards, managing directors, Geschäftsführer,
  Vorstand, Directeur Général/PDG/Gérant, Director General/Gerente General/Consejero Delegado,
  and general managers, except that "VP & General Manager" is ``vp``. "General Counsel" is
  ``c-level`` legal; the rank of an associate or deputy general counsel is left ``None``.
- ``owner``: founders, owners, entrepreneurs and partners, except where "partner" names a role
  ("HR Business Partner", "Talent Partner" and "Partner Manager" are not owners).
- "Executive Director" is ``director``. "Associate", "Coordinator", "Officer", "Executive"
  (as in Account Executive) and "Representative" are ``individual``. "Jefe"/"Jefa",
  "Responsable" and "Chef de" are ``manager``; "Leiter"/"Leitung"/"Abteilungsleiter" are
  ``director``; "Teamleiter", "Gruppenleiter" and "Projektleiter" are ``manager``.
- **Department** is the first one named: "VP Sales & Marketing" is ``sales``. C-level
  abbreviations imply theirs: CEO executive, CMO marketing, CTO/CIO/CISO engineering, CFO
  finance, COO operations, CRO sales, CHRO hr, CDO data (not "digital"), CPO product (the
  people officer spells "Chief People Officer"); CSO, CCO and CxO are ambiguous and name none.
  Three exceptions to "first named": a recruiter is in ``hr`` whatever they recruit for ("IT
  Recruiter"); the ``engineering`` an engineer, developer or architect implies gives way to a
  department the title names, wherever it stands ("Ingénieure Data" is ``data``); and
  founders, owners, presidents, general managers and executive assistants are ``executive``
  only when no other department is named ("Co-Founder & CTO" is ``engineering``).
- A department word right before "agency", "consultancy", "firm", ... describes the company,
  not the job: "Owner, Marketing Agency" is ``executive``.
- Where departments meet: procurement and purchasing (Einkauf, Achats, Compras) and
  administration are ``operations``; compliance and data protection are ``legal``; growth,
  communications, PR, events and community are ``marketing``; partnerships, business
  development and revenue operations are ``sales``; customer success, service, support and
  experience are ``support`` (a bare "customer" is not); IT, systems, security engineering and
  QA are ``engineering``; analytics, BI, machine learning and AI are ``data``; UX and product
  design are ``product``.
- What the title does not say stays ``None``: there is no guessing from similar words.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple, TypeAlias

import attrs

from smarketing import _convert
from smarketing.errors import ValidationError

__all__ = [
    "DEPARTMENTS",
    "FUNCTIONS",
    "MAX_TITLE_CHARS",
    "SENIORITIES",
    "JobTitle",
    "parse_title",
]

#: The seniority vocabulary, highest rank first.
SENIORITIES: Final = ("owner", "c-level", "vp", "director", "manager", "individual", "entry")

#: The department vocabulary.
DEPARTMENTS: Final = (
    "executive",
    "marketing",
    "sales",
    "engineering",
    "product",
    "finance",
    "operations",
    "hr",
    "support",
    "legal",
    "data",
)

#: Specialisations a title may name on top of its department ("VP Demand Gen").
FUNCTIONS: Final = (
    "demand generation",
    "product marketing",
    "content",
    "brand",
    "communications",
    "growth",
    "marketing operations",
    "sales development",
    "business development",
    "account management",
    "partnerships",
    "revenue operations",
    "customer success",
    "security",
    "devops",
    "data science",
    "recruiting",
    "procurement",
)

#: How many characters of a title are read; the rest of a longer text is ignored.
MAX_TITLE_CHARS: Final = 300

_Validator: TypeAlias = Callable[[Any, "attrs.Attribute[Any]", Any], None]


def _optional_one_of(where: str, choices: tuple[str, ...]) -> _Validator:
    allowed = frozenset(choices)

    def validate(_instance: object, _attribute: object, value: object) -> None:
        if value is not None and value not in allowed:
            expected = f"None or one of {', '.join(repr(c) for c in choices)}"
            msg = f"{where} must be {expected} (got {value!r})."
            raise ValidationError(msg, value=value, where=where, expected=expected)

    return validate


def _a_string(where: str) -> _Validator:
    def validate(_instance: object, _attribute: object, value: object) -> None:
        if not isinstance(value, str):
            msg = f"{where} must be a string (got {value!r})."
            raise ValidationError(msg, value=value, where=where, expected="a string")

    return validate


@attrs.frozen
class JobTitle:
    """What a job title says: a seniority, a department and a function, each possibly None.

    ``raw`` is the title that was read, with whitespace normalised. Values outside the
    vocabularies (``SENIORITIES``, ``DEPARTMENTS``, ``FUNCTIONS``) are a ``ValidationError``.

    >>> JobTitle("vp", "sales", "VP Sales")
    JobTitle(seniority='vp', department='sales', raw='VP Sales', function=None)
    """

    seniority: str | None = attrs.field(
        validator=_optional_one_of("JobTitle.seniority", SENIORITIES)
    )
    department: str | None = attrs.field(
        validator=_optional_one_of("JobTitle.department", DEPARTMENTS)
    )
    raw: str = attrs.field(validator=_a_string("JobTitle.raw"))
    function: str | None = attrs.field(
        default=None, validator=_optional_one_of("JobTitle.function", FUNCTIONS)
    )


# --- reading -------------------------------------------------------------------------------------

_TOKEN: Final = re.compile(r"[a-z0-9]+")
_MARKS: Final = re.compile(r"[\u0300-\u036f]+")


def _words(text: str) -> tuple[str, ...]:
    """The lower-case, accent-free words of ``text``: "Général" reads as ``("general",)``."""
    if text.isascii():
        return tuple(_TOKEN.findall(text.lower()))
    # NFKD first: it splits accents off their letters and turns ligatures and full-width forms
    # into plain letters; casefold then also maps "ß" to "ss".
    folded = unicodedata.normalize("NFKD", text).casefold()
    return tuple(_TOKEN.findall(_MARKS.sub("", folded)))


class _Meaning(NamedTuple):
    """What one word or phrase says about a title."""

    rank: int  # index into _SENIORITY_OF_RANK; 0 says nothing, _GM is a general manager
    department: str | None
    strength: int  # which department wins: the strongest, and among equals the first named
    function: str | None
    serves: bool  # an assistant: a following "to"/"de"/... names whom they serve


# How strongly a word's department counts, weakest first.
_FALLBACK = 1  # a founder's "executive": only when nothing else is named
_IMPLIED = 2  # an engineer's "engineering": yields to a named department ("Ingénieure Data")
_NAMED = 3  # "Marketing", "CFO": the first one named wins
_DECIDES = 4  # a recruiter is in hr whatever they recruit for ("IT Recruiter")


# Precedence for the highest-rank rule: entry outranks individual ("Junior Developer").
# A general manager is c-level, unless a VP rank is named too ("VP & GM" runs a business unit).
_GM: Final = -1
_SENIORITY_OF_RANK: Final = (
    None,
    "individual",
    "entry",
    "manager",
    "director",
    "vp",
    "c-level",
    "owner",
)
_RANK_OF_SENIORITY: Final = MappingProxyType(
    {s: r for r, s in enumerate(_SENIORITY_OF_RANK) if s is not None}
)


def _m(
    seniority: str | None = None,
    department: str | None = None,
    *,
    strength: int = _NAMED,
    function: str | None = None,
    serves: bool = False,
) -> _Meaning:
    rank = 0 if seniority is None else _RANK_OF_SENIORITY[seniority]
    if department is not None and department not in DEPARTMENTS:
        msg = f"unknown department {department!r} in the title lexicon"
        raise ValueError(msg)
    if function is not None and function not in FUNCTIONS:
        msg = f"unknown function {function!r} in the title lexicon"
        raise ValueError(msg)
    return _Meaning(rank, department, strength if department else 0, function, serves)


_OWNER = _m("owner", "executive", strength=_FALLBACK)
_CHIEF = _m("c-level", "executive", strength=_FALLBACK)
_GENERAL_MANAGER = _CHIEF._replace(rank=_GM)
_ASSISTANT = _m("entry", serves=True)

# Spellings are "|"-separated and written as people write them (accents, hyphens, umlauts);
# they go through the same ``_words`` as titles, and umlauts also get their "ae" spelling.
_LEXICON: Final[tuple[tuple[str, _Meaning], ...]] = (
    # owners
    (
        "founder|founders|cofounder|owner|owners|co-owner|coowner|proprietor|partner|partners|"
        "self-employed|entrepreneur|entrepreneurs|entrepreneuse|emprendedor|emprendedora|"
        "unternehmer|unternehmerin|managing member|gründer|gründerin|mitgründer|mitgründerin|"
        "mitbegründer|mitbegründerin|"
        "inhaber|inhaberin|mitinhaber|mitinhaberin|gesellschafter|gesellschafterin|fondateur|"
        "fondatrice|cofondateur|cofondatrice|propriétaire|associé|associée|fundador|fundadora|"
        "cofundador|cofundadora|dueño|dueña|propietario|propietaria|socio|socia",
        _OWNER,
    ),
    # partners in name only
    ("business partner|board advisor|advisory board", _m("individual")),
    ("people partner", _m("individual", "hr")),
    (
        "talent partner|talent acquisition partner",
        _m("individual", "hr", strength=_DECIDES, function="recruiting"),
    ),
    ("client partner", _m("individual", "sales")),
    ("partner manager", _m("manager", "sales", function="partnerships")),
    ("channel partner|channel sales", _m(None, "sales", function="partnerships")),
    ("partner marketing", _m(None, "marketing")),
    ("product owner", _m("individual", "product")),
    # c-level
    (
        "ceo|chief executive|chief exec|pdg|dg|directeur général|directrice générale|"
        "director general|directora general|consejero delegado|consejera delegada|"
        "director ejecutivo|directora ejecutiva",
        _m("c-level", "executive"),
    ),
    (
        "president|presidents|presidente|presidenta|chairman|chairwoman|chairperson|chair|"
        "board|managing director|c-level|c-suite|geschäftsführer|"
        "geschäftsführerin|geschäftsführender|geschäftsführende|gf|geschäftsführung|"
        "geschäftsleitung|vorstand|vorstände|vorstandsvorsitzender|vorstandsvorsitzende|"
        "vorsitzender|vorstandsmitglied|gérant|gérante|gerente general|gerenta general",
        _CHIEF,
    ),
    ("cxo|cso|cco|cao", _m("c-level")),
    ("general manager|gm", _GENERAL_MANAGER),
    ("cto|chief technical officer|chief information officer|cio", _m("c-level", "engineering")),
    ("ciso", _m("c-level", "engineering", function="security")),
    ("cmo", _m("c-level", "marketing")),
    ("cfo", _m("c-level", "finance")),
    ("coo", _m("c-level", "operations")),
    ("cro", _m("c-level", "sales")),
    ("cpo", _m("c-level", "product")),
    ("cdo|cdao", _m("c-level", "data")),
    ("chro", _m("c-level", "hr")),
    ("clo|general counsel", _m("c-level", "legal")),
    # the rank under a general counsel is the company's to say
    (
        "associate general counsel|assistant general counsel|deputy general counsel",
        _m(None, "legal"),
    ),
    ("chief customer officer", _m("c-level", "support")),
    ("chief of staff|gerencia", _m(None, "executive", strength=_FALLBACK)),
    # vice presidents
    (
        "vp|vps|svp|evp|avp|rvp|gvp|v p|vice president|vicepresident|assistant vice president|"
        "vice presidente|vice presidenta|vicepresidente|vicepresidenta|vizepräsident|"
        "vizepräsidentin",
        _m("vp"),
    ),
    # directors
    (
        "director|directors|dir|directora|directeur|directrice|direktor|direktorin|head|heads|"
        "leiter|leiterin|leitung|subdirector|subdirectora",
        _m("director"),
    ),
    ("executive director", _m("director", "executive", strength=_FALLBACK)),
    ("daf", _m("director", "finance")),
    ("drh", _m("director", "hr")),
    ("dsi", _m("director", "engineering")),
    # managers
    (
        "manager|managers|mgr|mngr|managerin|gerente|gerenta|jefe|jefa|responsable|supervisor|"
        "supervisora|superviseur|lead|leader|encargado|encargada|chef de|chef des|chef du|chef d",
        _m("manager"),
    ),
    ("tech lead|technical lead", _m("manager", "engineering")),
    ("account manager", _m("manager", "sales", function="account management")),
    ("csm", _m("manager", "support", function="customer success")),
    ("pmm", _m("manager", "marketing", function="product marketing")),
    # entry level
    (
        "intern|interns|internship|junior|jr|jnr|trainee|apprentice|graduate|student|"
        "praktikant|praktikantin|werkstudent|werkstudentin|azubi|auszubildender|auszubildende|"
        "volontär|volontärin|stagiaire|alternant|alternante|apprenti|apprentie|becario|becaria|"
        "practicante|pasante|aprendiz|auxiliar|praktikum|entry level|entry-level",
        _m("entry"),
    ),
    (
        "assistant|assistants|asst|assistante|assistent|assistentin|assistenz|asistente|"
        "personal assistant",
        _ASSISTANT,
    ),
    (
        "executive assistant|ea|assistante de direction|asistente de dirección",
        _m("entry", "executive", strength=_FALLBACK, serves=True),
    ),
    # individual contributors, no department of their own
    (
        "analyst|analysts|analyste|analista|analystin|consultant|consultants|consultante|"
        "consultor|consultora|specialist|specialists|spécialiste|especialista|spezialist|"
        "spezialistin|scientist|scientists|scientifique|científico|científica|designer|"
        "designers|representative|representatives|rep|reps|representante|writer|editor|"
        "administrator|administrador|administradora|technician|technicien|technicienne|técnico|"
        "técnica|coordinator|coordinador|coordinadora|coordinateur|coordinatrice|koordinator|"
        "koordinatorin|officer|officers|executive|executives|exec|ejecutivo|ejecutiva|agent|"
        "agents|agente|advisor|adviser|asesor|asesora|conseiller|conseillère|berater|beraterin|"
        "strategist|planner|associate|associates|assoc|generalist|expert|experte|expertin|"
        "researcher|tester|technologist|senior|sr|snr|principal|staff|fellow|member|mitglied|"
        "employee|employees|professional|contributor|operator|clerk|teacher|nurse|physician|"
        "pharmacist|pilot|driver|mechanic|electrician|journalist|photographer|trainer|"
        "instructor|lecturer|professor|tutor|freelancer|freelance|mitarbeiter|mitarbeiterin|"
        "referent|referentin|sachbearbeiter|sachbearbeiterin|chargé|chargée|empleado|empleada|"
        "administrateur|administratrice|gestionnaire|diseñador|diseñadora|producer|producers",
        _m("individual"),
    ),
    # marketing
    (
        "marketing|mktg|mkt|mkting|mktng|mkg|seo|sem|ppc|social media|events|event|community|"
        "market research|go-to-market|advertising|mercadeo|mercadotecnia|customer marketing|"
        "paid social|paid media|performance marketing",
        _m(None, "marketing"),
    ),
    ("marketer|marketers", _m("individual", "marketing")),
    (
        "demand gen|demand generation|lead gen|lead generation|lead nurturing|abm|"
        "account-based marketing",
        _m(None, "marketing", function="demand generation"),
    ),
    ("product marketing", _m(None, "marketing", function="product marketing")),
    ("product marketer", _m("individual", "marketing", function="product marketing")),
    ("growth", _m(None, "marketing", function="growth")),
    ("brand|branding", _m(None, "marketing", function="brand")),
    ("content|copywriting", _m(None, "marketing", function="content")),
    ("copywriter|copywriters", _m("individual", "marketing", function="content")),
    (
        "communications|communication|comms|pr|public relations|comunicación|kommunikation|"
        "presse|marcom|marcomm|marcomms",
        _m(None, "marketing", function="communications"),
    ),
    (
        "marketing operations|marketing ops|mops|marops",
        _m(None, "marketing", function="marketing operations"),
    ),
    ("media buyer", _m("individual", "marketing")),
    # sales
    (
        "sales|ventas|ventes|vertrieb|verkauf|account|accounts|revenue|territory|inside sales|"
        "presales|pre-sales|innendienst|außendienst|affaires|cuentas|sales operations|sales ops|"
        "salesops|deal desk|solutions engineering",
        _m(None, "sales"),
    ),
    (
        "commercial|commerciale|comercial|salesperson|salesman|saleswoman|seller|vendedor|"
        "vendedora|vendeur|vendeuse|verkäufer|verkäuferin|solutions engineer|"
        "solutions consultant|ae",
        _m("individual", "sales"),
    ),
    (
        "key account|account management|grands comptes|grand compte",
        _m(None, "sales", function="account management"),
    ),
    (
        "business development|biz dev|bizdev|bd|desarrollo de negocio|desarrollo de negocios|"
        "développement commercial|geschäftsentwicklung",
        _m(None, "sales", function="business development"),
    ),
    ("business developer|bdr", _m("individual", "sales", function="business development")),
    (
        "sales development|lead development",
        _m(None, "sales", function="sales development"),
    ),
    ("sdr|ldr", _m("individual", "sales", function="sales development")),
    (
        "revops|revenue operations",
        _m(None, "sales", function="revenue operations"),
    ),
    ("partnerships|partnership|alliances", _m(None, "sales", function="partnerships")),
    (
        "ingénieur d'affaires|ingénieur commercial|ingeniero comercial",
        _m("individual", "sales"),
    ),
    # engineering
    (
        "engineering|eng|engg|software|it|ti|information technology|information systems|"
        "systems|system|systèmes|sistemas|informatique|informática|informatik|technology|"
        "technologies|tecnología|technologie|technique|qa|quality assurance|infrastructure|"
        "infra|cloud|frontend|front-end|backend|back-end|fullstack|full-stack|r&d|"
        "research and development|edv|entwicklung|desarrollo|développement|database|"
        "help desk|helpdesk|service desk|technical program|software development|"
        "web development|secops",
        _m(None, "engineering"),
    ),
    # an engineer's own department gives way to one the title names: "Ingénieure Data"
    (
        "engineer|engineers|engr|developer|developers|dev|devs|programmer|programmers|"
        "programador|programadora|swe|ingénieur|ingénieure|ingeniero|ingeniera|ingenieur|"
        "ingenieurin|entwickler|entwicklerin|développeur|développeuse|desarrollador|"
        "desarrolladora|informatiker|informatikerin|fachinformatiker|fachinformatikerin|"
        "architect|architects|architekt|architektin|architecte|arquitecto|arquitecta",
        _m("individual", "engineering", strength=_IMPLIED),
    ),
    (
        "sysadmin|dba|sde|scrum master|member of technical staff|mts|network administrator",
        _m("individual", "engineering"),
    ),
    ("technischer|technische", _m(None, "engineering")),
    ("technical director", _m("director", "engineering")),
    (
        "security engineering|information security|infosec|cybersecurity|cyber security|"
        "application security",
        _m(None, "engineering", function="security"),
    ),
    (
        "security analyst|security architect|penetration tester|pentester",
        _m("individual", "engineering", function="security"),
    ),
    ("devops", _m(None, "engineering", function="devops")),
    ("sre|site reliability", _m("individual", "engineering", function="devops")),
    # product
    (
        "product|products|producto|produit|produkt|product management|produktmanagement|"
        "product design|ux|ui|user experience|user research",
        _m(None, "product"),
    ),
    ("user researcher", _m("individual", "product")),
    # finance
    (
        "finance|finances|financial|financier|financière|financiero|financiera|finanzas|"
        "finanzen|accounting|accounts payable|accounts receivable|fp&a|fpa|treasury|tax|"
        "taxes|audit|controlling|bookkeeping|investor relations|contabilidad|comptabilité|"
        "buchhaltung|rechnungswesen|tesorería|trésorerie|administratif et financier|"
        "administrativo y financiero|billing|credit control|revenue accounting|"
        "contrôle de gestion",
        _m(None, "finance"),
    ),
    ("credit manager", _m("manager", "finance")),
    ("credit analyst|revenue accountant", _m("individual", "finance")),
    (
        "accountant|accountants|auditor|auditors|controller|controllers|bookkeeper|contable|"
        "contador|contadora|comptable|buchhalter|buchhalterin|bilanzbuchhalter|"
        "bilanzbuchhalterin|contrôleur|contrôleuse",
        _m("individual", "finance"),
    ),
    # operations
    (
        "operations|operation|operational|ops|operating|operaciones|opérations|betrieb|"
        "business operations|bizops|supply chain|logistics|logística|logistique|logistik|"
        "facilities|facility|office|administrative|administration|admin|administrativo|"
        "administrativa|administratif|verwaltung|warehouse|manufacturing|production|"
        "produktion|producción|plant|demand planning|fleet",
        _m(None, "operations"),
    ),
    ("demand planner|receptionist|receptionists", _m("individual", "operations")),
    (
        "procurement|purchasing|einkauf|beschaffung|achats|compras|sourcing",
        _m(None, "operations", function="procurement"),
    ),
    (
        "buyer|buyers|einkäufer|einkäuferin|acheteur|acheteuse|comprador|compradora",
        _m("individual", "operations", function="procurement"),
    ),
    # hr
    (
        "hr|human resources|human resource|people|people operations|people ops|peopleops|"
        "personnel|personal|personalwesen|personalabteilung|recursos humanos|rrhh|rh|"
        "ressources humaines|learning and development|learning & development|l&d|"
        "compensation|benefits|total rewards|rewards|employee experience",
        _m(None, "hr"),
    ),
    ("hrbp", _m("individual", "hr")),
    (
        "talent|talent acquisition|recruiting|recruitment|recrutement|reclutamiento",
        _m(None, "hr", function="recruiting"),
    ),
    (
        "recruiter|recruiters|recruiterin|sourcer|sourcers|reclutador|reclutadora",
        _m("individual", "hr", strength=_DECIDES, function="recruiting"),
    ),
    # support
    (
        "support|customer service|customer support|customer experience|customer care|"
        "customer operations|customer onboarding|customer account|cx|client services|"
        "client service|technical support|tech support|"
        "service client|atención al cliente|servicio al cliente|soporte|kundenservice|"
        "kundendienst|kundenbetreuung|kundensupport|clientèle|implementation|onboarding|"
        "call center|call centre|contact center|contact centre",
        _m(None, "support"),
    ),
    ("technical account manager", _m("manager", "support", function="customer success")),
    ("customer success|client success", _m(None, "support", function="customer success")),
    # legal
    (
        "legal|compliance|contracts|contract|privacy|data protection|regulatory|juridique|"
        "jurídico|jurídica|recht|rechtsabteilung",
        _m(None, "legal"),
    ),
    (
        "counsel|attorney|attorneys|lawyer|lawyers|paralegal|paralegals|jurist|juristin|juriste|"
        "abogado|abogada|avocat|avocate|anwalt|anwältin|rechtsanwalt|rechtsanwältin|justiziar|"
        "justiziarin|justitiar|justitiarin|syndikusrechtsanwalt|syndikusrechtsanwältin|"
        "syndikusanwalt|syndikusanwältin",
        _m("individual", "legal"),
    ),
    # data
    (
        "data|datos|données|daten|analytics|business intelligence|bi|ml|ai|"
        "artificial intelligence|datenanalyse|analítica|analytique|dataops|mlops",
        _m(None, "data"),
    ),
    ("data science|machine learning", _m(None, "data", function="data science")),
    ("data scientist|data scientists", _m("individual", "data", function="data science")),
    ("statistician|ingeniero de datos|ingeniera de datos", _m("individual", "data")),
    # words that would otherwise be misread
    ("data entry", _m()),
)

# German compounds: a department (or team) part followed by a role part, "Vertriebs|leiter".
# The rank override is for "-leiter": a team or project lead is a manager, not a director.
_COMPOUND_FIRSTS: Final[tuple[tuple[str, str | None, str | None], ...]] = (
    ("vertriebs", "sales", None),
    ("verkaufs", "sales", None),
    ("innendienst", "sales", None),
    ("außendienst", "sales", None),
    ("account", "sales", None),
    ("marketing", "marketing", None),
    ("kommunikations", "marketing", None),
    ("presse", "marketing", None),
    ("personal", "hr", None),
    ("finanz", "finance", None),
    ("steuer", "finance", None),
    ("bilanz", "finance", None),
    ("buchhaltungs", "finance", None),
    ("controlling", "finance", None),
    ("einkaufs", "operations", None),
    ("logistik", "operations", None),
    ("betriebs", "operations", None),
    ("produktions", "operations", None),
    ("lager", "operations", None),
    ("werk", "operations", None),
    ("entwicklungs", "engineering", None),
    ("software", "engineering", None),
    ("anwendungs", "engineering", None),
    ("system", "engineering", None),
    ("web", "engineering", None),
    ("it", "engineering", None),
    ("edv", "engineering", None),
    ("produkt", "product", None),
    ("rechts", "legal", None),
    ("daten", "data", None),
    ("kunden", "support", None),
    ("kundenservice", "support", None),
    ("service", "support", None),
    ("support", "support", None),
    ("abteilungs", None, None),
    ("bereichs", None, None),
    ("team", None, "manager"),
    ("gruppen", None, "manager"),
    ("projekt", None, "manager"),
)
_COMPOUND_LASTS: Final[tuple[tuple[str, _Meaning], ...]] = (
    ("leiter|leiterin|leitung|chef|chefin|direktor|direktorin", _m("director")),
    ("vorstand", _m("c-level")),
    ("manager|managerin", _m("manager")),
    (
        "mitarbeiter|mitarbeiterin|referent|referentin|sachbearbeiter|sachbearbeiterin|berater|"
        "beraterin|betreuer|betreuerin|spezialist|spezialistin|experte|expertin|koordinator|"
        "koordinatorin|analyst|analystin|administrator|administratorin",
        _m("individual"),
    ),
    (
        "entwickler|entwicklerin|ingenieur|ingenieurin|architekt|architektin",
        _m("individual", "engineering", strength=_IMPLIED),
    ),
    ("techniker|technikerin", _m("individual")),
    ("buchhalter|buchhalterin", _m("individual", "finance")),
    ("assistent|assistentin|assistenz", _ASSISTANT),
    ("praktikant|praktikantin|werkstudent|werkstudentin", _m("entry")),
    ("abteilung|wesen|entwicklung|innendienst|aussendienst", _m()),
)

_UMLAUTS: Final = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"})


def _spellings(spec: str) -> set[tuple[str, ...]]:
    keys = set()
    for spelling in spec.split("|"):
        for variant in {spelling, spelling.translate(_UMLAUTS)}:
            key = _words(variant)
            if not key:
                msg = f"title lexicon spelling {spelling!r} has no words"
                raise ValueError(msg)
            keys.add(key)
    return keys


def _build_tables(
    lexicon: tuple[tuple[str, _Meaning], ...] = _LEXICON,
) -> tuple[Mapping[str, _Meaning], Mapping[str, tuple[tuple[tuple[str, ...], _Meaning], ...]]]:
    """Index the lexicon once: single words in one table, phrases by their first word."""
    words: dict[str, _Meaning] = {}
    phrases: dict[tuple[str, ...], _Meaning] = {}
    for spec, meaning in lexicon:
        for key in _spellings(spec):
            known = words.get(key[0]) if len(key) == 1 else phrases.get(key)
            if known not in (None, meaning):
                msg = f"title lexicon defines {' '.join(key)!r} twice, differently"
                raise ValueError(msg)
            if len(key) == 1:
                words[key[0]] = meaning
            else:
                phrases[key] = meaning
    for first, department, leiter_rank in _COMPOUND_FIRSTS:
        (first_key,) = _spellings(first)
        for spec, last in _COMPOUND_LASTS:
            meaning = last
            if leiter_rank is not None and last.rank == _RANK_OF_SENIORITY["director"]:
                meaning = meaning._replace(rank=_RANK_OF_SENIORITY[leiter_rank])
            if department is not None:
                meaning = meaning._replace(department=department, strength=_NAMED)
            for (last_key,) in _spellings(spec):
                words.setdefault(first_key[0] + last_key, meaning)
    by_first: dict[str, list[tuple[tuple[str, ...], _Meaning]]] = {}
    for key, meaning in phrases.items():
        by_first.setdefault(key[0], []).append((key, meaning))
    return MappingProxyType(words), MappingProxyType(
        {
            first: tuple(sorted(found, key=lambda item: -len(item[0])))
            for first, found in by_first.items()
        }
    )


_WORDS, _PHRASES = _build_tables()

#: After an assistant, these words introduce whom they assist.
_SERVING: Final = frozenset({"to", "of", "for", "de", "del", "der", "des", "du", "d", "al"})
#: A department word right before one of these describes the company, not the job.
_COMPANY_NOUNS: Final = frozenset(
    {"agency", "agencies", "consultancy", "firm", "studio", "company", "startup", "agentur"}
    | {"agence", "agencia", "boutique", "shop"}
)
_CHIEF_RANK: Final = _RANK_OF_SENIORITY["c-level"]
_VP_RANK: Final = _RANK_OF_SENIORITY["vp"]
#: What follows these words is a past job, not the present one: "Former CEO", "Ex-CMO".
_PAST: Final = frozenset({"former", "formerly", "ex", "retired", "previously"})
_NOTHING: Final = JobTitle(None, None, "")


def parse_title(text: object) -> JobTitle:
    """Read a job title into a seniority, a department and a function.

    Never raises: anything that is not text reads as ``JobTitle(None, None, raw="")``, and only
    the first ``MAX_TITLE_CHARS`` characters of a longer text are read. The rules are in the
    module docstring; in short, the highest rank and the first department named win, and what
    the title does not say stays ``None``.

    >>> parse_title("  Sr. Director,  Demand Generation ")
    JobTitle(seniority='director', department='marketing', raw='Sr. Director, Demand Generation', \
function='demand generation')
    >>> parse_title("Geschäftsführer")
    JobTitle(seniority='c-level', department='executive', raw='Geschäftsführer', function=None)
    >>> parse_title(None)
    JobTitle(seniority=None, department=None, raw='', function=None)
    """
    if type(text) is not str:
        if not isinstance(text, str):
            return _NOTHING
        text = str.__str__(text)  # a plain copy: a subclass's overrides are not called
    raw = " ".join(text[:MAX_TITLE_CHARS].split())
    seniority, department, function = _read(_words(raw))
    return JobTitle(seniority, department, raw, function)


def _read(words: tuple[str, ...]) -> tuple[str | None, str | None, str | None]:
    """The seniority, department and function that ``words`` state (see the module docstring)."""
    rank = strength = 0
    department = function = None
    general_manager = False
    serving = False  # ranks named from here on are someone else's
    count = len(words)
    i = 0
    while i < count:
        word = words[i]
        meaning = None
        width = 1
        for phrase, phrase_meaning in _PHRASES.get(word, ()):
            if words[i : i + len(phrase)] == phrase:
                meaning, width = phrase_meaning, len(phrase)
                break
        if meaning is None:
            meaning = _WORDS.get(word)
        if meaning is None:
            if word == "to":
                serving = True
            elif word in _PAST:
                break
            elif word == "chief" and "officer" in words[i + 1 : i + 5] and not serving:
                rank = max(rank, _CHIEF_RANK)
            i += 1
            continue
        i += width
        if not serving:
            if meaning.rank == _GM:
                general_manager = True
            elif meaning.rank > rank:
                rank = meaning.rank
        if i < count and words[i] in _COMPANY_NOUNS:
            continue
        if meaning.strength > strength:
            department, strength = meaning.department, meaning.strength
        if function is None:
            function = meaning.function
        if meaning.serves and i < count and words[i] in _SERVING:
            serving = True
    if general_manager and rank < _VP_RANK:
        rank = _CHIEF_RANK
    return _SENIORITY_OF_RANK[rank], department, function


_convert.plain(JobTitle)
